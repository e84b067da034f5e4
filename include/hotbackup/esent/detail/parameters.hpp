/// \file
/// The system parameters of docs/protocol.md §8.11 as one table, parameter_table: a
/// row per JET_param number with its name, its kind (a number or a string), ESE's
/// default, the values JetSetSystemParameter accepts (a rule with its bounds), whether
/// it may still change once its instance is initialized, and how its value is stored
/// in and read from an instance's options. JetSetSystemParameter and
/// JetGetSystemParameter (esent/instance.hpp) are driven by it alone, for an instance
/// and for the global parameters alike, so that each parameter is described once.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "hotbackup/engine/instance_options.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/esent/detail/call.hpp"
#include "hotbackup/esent/types.hpp"
#include "hotbackup/format/file_names.hpp"

namespace hotbackup::inline v1::detail::jet {

using namespace hotbackup::esent;  // inside detail::jet only: esent.h's names

/// How a parameter's value is passed: a number (lParam, *plParam) or a
/// NUL-terminated string (szParam).
enum class parameter_kind { number, text };

/// What JetSetSystemParameter accepts for a parameter, beyond its kind; any other
/// value, and a NULL string for a text parameter, is JET_errInvalidParameter.
enum class parameter_rule {
    any,           ///< every value of the kind
    step_range,    ///< a number from `min` to `max` that is a multiple of `step`
    power_of_two,  ///< a power of two from `min` to `max`
    base_name,     ///< a log base name that validate_base_name() accepts
    on_off,        ///< "on" or "off" in any case (brought to lower case)
};

/// One parameter's value, to set or to get: `number` for a number parameter,
/// `text` for a text one.
struct parameter_value {
    JET_API_PTR number = 0;
    std::string text;
};

/// One JET_param. `store` is given a value its rule accepted; `load` gives the
/// value in its kind's form. Both see an instance's options (or the global ones)
/// and its temp path, which has no engine option.
struct parameter_row {
    /// The JET_param number.
    unsigned long id = 0;
    /// Its esent.h name.
    std::string_view name{};
    /// A number or a string.
    parameter_kind kind = parameter_kind::number;
    /// ESE's default for a number parameter (instance_options' default; a test
    /// checks that JetGetSystemParameter gives it).
    JET_API_PTR default_number = 0;
    /// ESE's default for a text parameter.
    std::string_view default_text{};
    /// What JetSetSystemParameter accepts.
    parameter_rule rule = parameter_rule::any;
    /// The smallest value accepted (step_range, power_of_two).
    JET_API_PTR min = 0;
    /// The largest value accepted (step_range, power_of_two).
    JET_API_PTR max = 0;
    /// step_range: the values are multiples of it.
    JET_API_PTR step = 1;
    /// Whether JetSetSystemParameter may change it once the instance is initialized
    /// (for the global parameters: once one-instance mode has its instance). None
    /// may: the engine copied the options at JetInit.
    bool settable_after_init = false;
    /// Stores an accepted value.
    void (*store)(instance_options& options, std::string& temp_path,
                  const parameter_value& value) = nullptr;
    /// Reads the value.
    parameter_value (*load)(const instance_options& options,
                            const std::string& temp_path) = nullptr;
};

/// Every parameter JetSetSystemParameter and JetGetSystemParameter know, one row
/// each; any other number is JET_errInvalidParameter.
inline constexpr std::array parameter_table{
    parameter_row{.id = JET_paramSystemPath,
                  .name = "JET_paramSystemPath",
                  .kind = parameter_kind::text,
                  .default_text = ".",
                  .store = [](instance_options& options, std::string& /*temp_path*/,
                              const parameter_value& value) { options.system_path = value.text; },
                  .load =
                      [](const instance_options& options, const std::string& /*temp_path*/) {
                          return parameter_value{0, options.system_path.string()};
                      }},
    parameter_row{.id = JET_paramTempPath,
                  .name = "JET_paramTempPath",
                  .kind = parameter_kind::text,
                  .default_text = "",
                  .store = [](instance_options& /*options*/, std::string& temp_path,
                              const parameter_value& value) { temp_path = value.text; },
                  .load =
                      [](const instance_options& /*options*/, const std::string& temp_path) {
                          return parameter_value{0, temp_path};
                      }},
    parameter_row{.id = JET_paramLogFilePath,
                  .name = "JET_paramLogFilePath",
                  .kind = parameter_kind::text,
                  .default_text = ".",
                  .store = [](instance_options& options, std::string& /*temp_path*/,
                              const parameter_value& value) { options.log_path = value.text; },
                  .load =
                      [](const instance_options& options, const std::string& /*temp_path*/) {
                          return parameter_value{0, options.log_path.string()};
                      }},
    parameter_row{.id = JET_paramBaseName,
                  .name = "JET_paramBaseName",
                  .kind = parameter_kind::text,
                  .default_text = "edb",
                  .rule = parameter_rule::base_name,
                  .store = [](instance_options& options, std::string& /*temp_path*/,
                              const parameter_value& value) { options.base_name = value.text; },
                  .load =
                      [](const instance_options& options, const std::string& /*temp_path*/) {
                          return parameter_value{0, options.base_name};
                      }},
    parameter_row{
        .id = JET_paramLogFileSize,
        .name = "JET_paramLogFileSize",
        .kind = parameter_kind::number,
        .default_number = 5120,
        .rule = parameter_rule::step_range,
        .min = 64,
        .max = 32768,
        .step = 4,
        // In KiB; the checkpoint depth is raised to at least one log file.
        .store =
            [](instance_options& options, std::string& /*temp_path*/,
               const parameter_value& value) {
                options.log_file_size = std::uint64_t{value.number} * 1024;
                options.checkpoint_depth =
                    std::max(options.checkpoint_depth, options.log_file_size);
            },
        .load =
            [](const instance_options& options, const std::string& /*temp_path*/) {
                return parameter_value{static_cast<JET_API_PTR>(options.log_file_size / 1024), {}};
            }},
    parameter_row{
        .id = JET_paramCircularLog,
        .name = "JET_paramCircularLog",
        .kind = parameter_kind::number,
        .default_number = 0,
        .store = [](instance_options& options, std::string& /*temp_path*/,
                    const parameter_value& value) { options.circular_logging = value.number != 0; },
        .load =
            [](const instance_options& options, const std::string& /*temp_path*/) {
                return parameter_value{options.circular_logging ? 1U : 0U, {}};
            }},
    parameter_row{
        .id = JET_paramCheckpointDepthMax,
        .name = "JET_paramCheckpointDepthMax",
        .kind = parameter_kind::number,
        .default_number = JET_API_PTR{20} * 1024 * 1024,
        .store = [](instance_options& options, std::string& /*temp_path*/,
                    const parameter_value& value) { options.checkpoint_depth = value.number; },
        .load =
            [](const instance_options& options, const std::string& /*temp_path*/) {
                return parameter_value{static_cast<JET_API_PTR>(options.checkpoint_depth), {}};
            }},
    parameter_row{
        .id = JET_paramRecovery,
        .name = "JET_paramRecovery",
        .kind = parameter_kind::text,
        .default_text = "on",
        .rule = parameter_rule::on_off,
        .store = [](instance_options& options, std::string& /*temp_path*/,
                    const parameter_value& value) { options.recovery = value.text == "on"; },
        .load =
            [](const instance_options& options, const std::string& /*temp_path*/) {
                return parameter_value{0, options.recovery ? "on" : "off"};
            }},
    parameter_row{.id = JET_paramDatabasePageSize,
                  .name = "JET_paramDatabasePageSize",
                  .kind = parameter_kind::number,
                  .default_number = 8192,
                  .rule = parameter_rule::power_of_two,
                  .min = 4096,
                  .max = 32768,
                  .store =
                      [](instance_options& options, std::string& /*temp_path*/,
                         const parameter_value& value) {
                          options.page_size = static_cast<std::uint32_t>(value.number);
                      },
                  .load =
                      [](const instance_options& options, const std::string& /*temp_path*/) {
                          return parameter_value{options.page_size, {}};
                      }},
    parameter_row{
        .id = JET_paramCreatePathIfNotExist,
        .name = "JET_paramCreatePathIfNotExist",
        .kind = parameter_kind::number,
        .default_number = 0,
        .store = [](instance_options& options, std::string& /*temp_path*/,
                    const parameter_value& value) { options.create_paths = value.number != 0; },
        .load =
            [](const instance_options& options, const std::string& /*temp_path*/) {
                return parameter_value{options.create_paths ? 1U : 0U, {}};
            }},
};

static_assert(
    [] {
        for (std::size_t first = 0; first < parameter_table.size(); ++first) {
            for (std::size_t second = first + 1; second < parameter_table.size(); ++second) {
                if (parameter_table.at(first).id == parameter_table.at(second).id) {
                    return false;
                }
            }
        }
        return true;
    }(),
    "one row per JET_param number");

/// The row of a JET_param number, or nullptr for a number the table does not hold.
inline const parameter_row* find_parameter(unsigned long id) noexcept {
    const auto found = std::ranges::find(parameter_table, id, &parameter_row::id);
    return found == parameter_table.end() ? nullptr : &*found;
}

/// The row of a JET_param number; JET_errInvalidParameter for an unknown one.
inline const parameter_row& parameter_of(unsigned long id) {
    const auto* row = find_parameter(id);
    if (row == nullptr) {
        fail(JET_errInvalidParameter);
    }
    return *row;
}

/// JetSetSystemParameter's first check, made before the parameter number's: once
/// the instance is `initialized`, JET_errAlreadyInitialized for every number whose
/// row does not say settable_after_init, unknown numbers included.
inline void require_settable(unsigned long id, bool initialized) {
    if (!initialized) {
        return;
    }
    const auto* row = find_parameter(id);
    if (row == nullptr || !row->settable_after_init) {
        fail(JET_errAlreadyInitialized);
    }
}

/// Whether `row`'s rule accepts `value`; an on_off value is brought to lower case.
inline bool accepts(const parameter_row& row, parameter_value& value) {
    const auto number = value.number;
    switch (row.rule) {
        case parameter_rule::any:
            return true;
        case parameter_rule::step_range:
            return number >= row.min && number <= row.max && number % row.step == 0;
        case parameter_rule::power_of_two:
            return number >= row.min && number <= row.max && std::has_single_bit(number);
        case parameter_rule::base_name:
            try {
                validate_base_name(value.text);
            } catch (const backup_error&) {
                return false;
            }
            return true;
        case parameter_rule::on_off:
            std::ranges::transform(value.text, value.text.begin(), [](unsigned char letter) {
                return static_cast<char>(std::tolower(letter));
            });
            return value.text == "on" || value.text == "off";
    }
    return false;
}

/// Sets parameter `id` in `options` / `temp_path` to `number` or `text` (by its
/// kind). JET_errInvalidParameter: an unknown id, a NULL string, a value its rule
/// refuses.
inline void set_parameter(instance_options& options, std::string& temp_path, unsigned long id,
                          JET_API_PTR number, const char* text) {
    const auto& row = parameter_of(id);
    parameter_value value{number, {}};
    if (row.kind == parameter_kind::text) {
        if (text == nullptr) {
            fail(JET_errInvalidParameter);
        }
        value.text = text;
    }
    if (!accepts(row, value)) {
        fail(JET_errInvalidParameter);
    }
    row.store(options, temp_path, value);
}

/// A parameter's value as JetGetSystemParameter read it, with the row that says how
/// to hand it out.
struct parameter_reading {
    const parameter_row* row = nullptr;
    parameter_value value;
};

/// Reads parameter `id` of `options` / `temp_path`. JET_errInvalidParameter for an
/// unknown id.
inline parameter_reading read_parameter(const instance_options& options,
                                        const std::string& temp_path, unsigned long id) {
    const auto& row = parameter_of(id);
    return {&row, row.load(options, temp_path)};
}

/// Hands a value out as JetGetSystemParameter does: a number into *number, a string
/// into `text`, cut to `size` bytes with its NUL (silently, as ESE does).
/// JET_errInvalidParameter for a NULL output of the parameter's kind or a size of 0.
inline void hand_out(const parameter_reading& reading, JET_API_PTR* number, char* text,
                     unsigned long size) {
    if (reading.row->kind == parameter_kind::text) {
        if (text == nullptr || size == 0) {
            fail(JET_errInvalidParameter);
        }
        const auto count = std::min<std::size_t>(reading.value.text.size(), size - 1);
        std::memcpy(text, reading.value.text.data(), count);
        text[count] = '\0';  // a C array from the caller
    } else {
        if (number == nullptr) {
            fail(JET_errInvalidParameter);
        }
        *number = reading.value.number;
    }
}

}  // namespace hotbackup::inline v1::detail::jet
