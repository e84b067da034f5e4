/// \file
/// Errors of hotbackup. Every run-time failure is an `errc`, whose values are the
/// JET_err numbers of Microsoft ESE, so a failure reads the same here, in
/// `esent.hpp` and in ESE's documentation. `errc` plugs into `<system_error>` through
/// `error_category()`, and the typed API throws it as `backup_error`, whose message
/// names the file, page or log generation involved.
///
/// Thread safety: the category is one immutable object, and every function here is
/// safe to call from any thread. A `backup_error` is an immutable value; copies share
/// their context and never throw.
#pragma once

#include <array>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include "hotbackup/errc.hpp"

namespace hotbackup::inline v1::detail {

/// `value` as the eight upper-case hexadecimal digits that name its log file.
inline std::string eight_hex_digits(std::uint32_t value) {
    constexpr std::string_view digits = "0123456789ABCDEF";
    std::string text(8, '0');
    unsigned shift = 32;
    for (char& digit : text) {
        shift -= 4;
        digit = digits[(value >> shift) & 0xFU];
    }
    return text;
}

/// The category of `errc`: ESE's names and numbers in every message, and the
/// portable std::errc conditions for the codes that have one.
class error_category_impl final : public std::error_category {
  public:
    constexpr error_category_impl() noexcept = default;

    [[nodiscard]] const char* name() const noexcept override { return "hotbackup"; }

    /// "<meaning> (<JET name>, <number>)", or "unknown error (<number>)".
    /// Throws std::bad_alloc.
    [[nodiscard]] std::string message(int value) const override {
        const errc_text text = describe(static_cast<errc>(value));
        if (text.name.empty()) {
            return "unknown error (" + std::to_string(value) + ")";
        }
        std::string result;
        result.reserve(text.meaning.size() + text.name.size() + 16);
        result += text.meaning;
        result += " (";
        result += text.name;
        result += ", ";
        result += std::to_string(value);
        result += ')';
        return result;
    }

    /// Maps the codes that mean what a std::errc means, so callers can test
    /// `code == std::errc::no_space_on_device` without knowing ESE; every other
    /// code is its own condition.
    [[nodiscard]] std::error_condition default_error_condition(int value) const noexcept override {
        switch (static_cast<errc>(value)) {
            case errc::disk_full:
            case errc::log_disk_full:
                return std::make_error_condition(std::errc::no_space_on_device);
            case errc::disk_io:
            case errc::disk_read_verification_failure:
                return std::make_error_condition(std::errc::io_error);
            case errc::file_not_found:
                return std::make_error_condition(std::errc::no_such_file_or_directory);
            case errc::file_already_exists:
                return std::make_error_condition(std::errc::file_exists);
            case errc::file_access_denied:
            case errc::access_denied:
                return std::make_error_condition(std::errc::permission_denied);
            case errc::out_of_memory:
                return std::make_error_condition(std::errc::not_enough_memory);
            case errc::out_of_file_handles:
                return std::make_error_condition(std::errc::too_many_files_open);
            case errc::out_of_threads:
                return std::make_error_condition(std::errc::resource_unavailable_try_again);
            case errc::invalid_parameter:
            case errc::invalid_grbit:
            case errc::invalid_path:
                return std::make_error_condition(std::errc::invalid_argument);
            case errc::feature_not_available:
            case errc::disabled_functionality:
                return std::make_error_condition(std::errc::not_supported);
            case errc::os_snapshot_time_out:
                return std::make_error_condition(std::errc::timed_out);
            default:
                return {value, *this};
        }
    }
};

}  // namespace hotbackup::inline v1::detail

namespace hotbackup::inline v1 {

/// The category of every `errc`: name() is "hotbackup". One object for the whole
/// program, because std::error_code compares categories by address.
[[nodiscard]] inline const std::error_category& error_category() noexcept {
    static const detail::error_category_impl category;
    return category;
}

/// `code` as a std::error_code of `error_category()`. Found by ADL, so an `errc`
/// converts implicitly wherever a std::error_code is expected.
[[nodiscard]] inline std::error_code make_error_code(errc code) noexcept {
    return {static_cast<int>(code), error_category()};
}

/// ESE's name of `code`, such as "JET_errBackupInProgress"; "JET_err(unknown)" for
/// a value that is not an enumerator.
[[nodiscard]] constexpr std::string_view errc_name(errc code) noexcept {
    const std::string_view name = detail::describe(code).name;
    return name.empty() ? std::string_view{"JET_err(unknown)"} : name;
}

/// The `errc` a storage backend reports for a failed system call's errno, so that
/// file-system failures carry ESE's numbers. Requires `errno_value != 0`; an errno
/// without a closer match (EIO among them) is `disk_io`.
[[nodiscard]] constexpr errc errc_from_errno(int errno_value) noexcept {
    switch (errno_value) {
        case ENOENT:
            return errc::file_not_found;
        case ENOSPC:
#ifdef EDQUOT
        case EDQUOT:
#endif
            return errc::disk_full;
        case EACCES:
        case EPERM:
        case EROFS:
            return errc::file_access_denied;
        case EEXIST:
            return errc::file_already_exists;
        case EMFILE:
        case ENFILE:
            return errc::out_of_file_handles;
        case ENOMEM:
            return errc::out_of_memory;
        case ENAMETOOLONG:
        case ENOTDIR:
        case ELOOP:
            return errc::invalid_path;
        case EISDIR:
            return errc::file_invalid_type;
        case EINVAL:
            return errc::invalid_parameter;
        case ENOTEMPTY:  // removing a directory that still has entries
            return errc::invalid_operation;
        default:
            return errc::disk_io;
    }
}

/// Where an error happened; every field optional.
struct error_context {
    std::string file{};                         ///< path as the user named it
    std::optional<std::uint32_t> page{};        ///< database page number
    std::optional<std::uint32_t> generation{};  ///< log generation
};

/// The exception every typed hotbackup API throws. code() is the `errc` in
/// `error_category()`; what() reads
/// "<file>: page <N>: log generation <G> (0x<8 hex digits>): <detail>: <message>",
/// each absent part left out with its ": ". Copies share the context, so copying
/// never throws. Thread safety: immutable; copies may be used on any threads.
class backup_error : public std::system_error {
  public:
    /// An error with no context. Throws std::bad_alloc.
    backup_error(errc code, std::string_view detail)
        : backup_error(code, error_context{}, detail) {}

    /// An error that names the file, page or log generation in `context`; `detail`
    /// says what was found (for example both checksums). Throws std::bad_alloc.
    backup_error(errc code, error_context context, std::string_view detail = {})
        : std::system_error(make_error_code(code)),
          state_(std::make_shared<const state>(
              state{.what = compose(context, detail, code), .context = std::move(context)})) {}

    /// Copies `other`, sharing its context; never throws. There are no moves: a
    /// moved-from backup_error would have no context to return.
    backup_error(const backup_error&) = default;
    /// Makes this a copy of `other`, sharing its context; never throws.
    backup_error& operator=(const backup_error&) = default;
    ~backup_error() override = default;

    /// The error, as code().value() converted back to `errc`.
    [[nodiscard]] errc value() const noexcept { return static_cast<errc>(code().value()); }

    /// The file, page and log generation given when the error was thrown. Valid while
    /// this error or a copy of it lives.
    [[nodiscard]] const error_context& context() const noexcept { return state_->context; }

    /// The composed message, as described for the class. Valid while this error or a
    /// copy of it lives.
    [[nodiscard]] const char* what() const noexcept override { return state_->what.c_str(); }

  private:
    // `what` first: it is composed from the context before the context is moved in.
    struct state {
        std::string what;
        error_context context;
    };

    // Built here, not by std::system_error, whose format for a what_arg is
    // implementation-defined.
    static std::string compose(const error_context& context, std::string_view detail_text,
                               errc code) {
        std::string text;
        const auto append = [&text](std::string_view part) {
            if (!text.empty()) {
                text += ": ";
            }
            text += part;
        };
        if (!context.file.empty()) {
            append(context.file);
        }
        if (context.page) {
            append("page " + std::to_string(*context.page));
        }
        if (context.generation) {
            append("log generation " + std::to_string(*context.generation) + " (0x" +
                   detail::eight_hex_digits(*context.generation) + ")");
        }
        if (!detail_text.empty()) {
            append(detail_text);
        }
        append(error_category().message(static_cast<int>(code)));
        return text;
    }

    std::shared_ptr<const state> state_;
};

}  // namespace hotbackup::inline v1
