// hotbackup: the command-line tool. It backs up an instance directory into a backup
// set (a directory, or a tar stream on standard output), restores a chain of sets
// into a new instance directory, verifies a chain without writing anything, and
// shows what a set holds.
//
//   hotbackup backup --instance DIR [--incremental] [--no-truncate] [--base-name XYZ]
//                    --to DIR|-
//   hotbackup restore SET... --to DIR [--roll-forward LOGDIR]
//   hotbackup verify SET...
//   hotbackup info SET [--json]
//   hotbackup --help | help
//
// An instance directory DIR is laid out as restore() leaves one, so a restored
// instance is again an instance directory:
//   DIR/<base>.chk     the checkpoint: DIR is the instance's system path
//   DIR/logs/          the log path; DIR/logs/<base>.log is the current log, whose
//                      header gives the page size and the log file size
//   DIR/*.edb          the databases: every *.edb file directly in DIR is attached
// `backup` opens the instance (soft recovery runs if it was not shut down cleanly),
// so no other process may have it open. The base name is "edb" unless
// --base-name says otherwise.
//
// Human output goes to standard output, or to standard error when the tar stream
// takes standard output (`--to -`). When standard error is a terminal, a progress
// bar is drawn there.
//
// Exit codes:
//   0  success
//   1  the operation failed: hotbackup reported an error, printed to standard error
//      as "hotbackup: <ESE error name> (<number>): <message>"
//   2  usage error: unknown command or option, missing argument (usage is printed)
//   3  any other failure (the message is printed)
//
// An interrupted run is safe to repeat: a backup set gets its manifest last, so an
// interrupted backup leaves a set that nothing will restore; an interrupted restore
// is finished (or started over) by running it again with the same arguments.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <hotbackup/hotbackup.hpp>
#include <iostream>
#include <map>
#include <optional>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/join.hpp>
#include <range/v3/view/transform.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using storage_type = hotbackup::posix_storage;
using engine_type = hotbackup::instance<storage_type>;
using set_type = hotbackup::backup_set<storage_type>;

constexpr int exit_success = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;
constexpr int exit_unexpected = 3;

constexpr std::string_view usage_text = R"(Usage:
  hotbackup backup --instance DIR [--incremental] [--no-truncate] [--base-name XYZ]
                   --to DIR|-
  hotbackup restore SET... --to DIR [--roll-forward LOGDIR]
  hotbackup verify SET...
  hotbackup info SET [--json]
  hotbackup --help | help

Commands:
  backup   Back up the instance in DIR into the backup set --to DIR (a new or
           empty directory), or as a tar stream on standard output with --to -.
           A full backup copies every database and the logs; --incremental
           copies the logs written since the last full or incremental backup.
           Logs the set makes unnecessary are deleted from the instance unless
           --no-truncate is given (then the set is a copy or differential set).
  restore  Restore a chain of sets (a full or copy set, then incremental or
           differential sets in the order they were taken) into the new instance
           directory --to DIR, replaying the logs. --roll-forward LOGDIR also
           replays the newer logs of LOGDIR (the instance's log directory).
  verify   Read every file of a chain of sets and check it as a restore would.
  info     Show what a set holds; --json prints its manifest as it is stored.

Instance directory DIR:
  DIR/<base>.chk   checkpoint (DIR is the system path); <base> is "edb" unless
                   --base-name XYZ says otherwise
  DIR/logs/        logs; the header of DIR/logs/<base>.log gives the page size and
                   the log file size
  DIR/*.edb        databases: every *.edb file directly in DIR is backed up
  A restored instance has the same layout.

Exit codes:
  0  success
  1  the operation failed (the ESE error name, number and message are printed)
  2  usage error
  3  any other failure
)";

/// A command line that does not match the usage; main() prints the usage.
class usage_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// ---- command line -----------------------------------------------------------------

/// An option a command accepts: a flag, or one that takes a value.
struct option_spec {
    std::string_view name;  ///< with its leading "--"
    bool takes_value = false;
};

/// The arguments after the command name: options by name, and operands in order.
class parsed_arguments {
  public:
    /// Splits `arguments` by `accepted`. "--name value" and "--name=value" both
    /// work; "--" ends the options; "-" alone is an operand. Throws usage_error
    /// for an unknown option, a missing value or an option given twice.
    parsed_arguments(std::string_view command, std::span<const std::string_view> arguments,
                     std::span<const option_spec> accepted)
        : command_(command) {
        bool options_ended = false;
        for (std::size_t index = 0; index < arguments.size(); ++index) {
            const auto argument = arguments[index];
            if (options_ended || argument == "-" || !argument.starts_with("-")) {
                operands_.emplace_back(argument);
                continue;
            }
            if (argument == "--") {
                options_ended = true;
                continue;
            }
            const auto equals = argument.find('=');
            const auto name = argument.substr(0, equals);
            const auto spec = std::ranges::find(accepted, name, &option_spec::name);
            if (spec == accepted.end()) {
                throw usage_error(command_ + ": unknown option " + std::string{argument});
            }
            std::string value;
            if (spec->takes_value && equals != std::string_view::npos) {
                value = argument.substr(equals + 1);
            } else if (spec->takes_value) {
                if (index + 1 == arguments.size()) {
                    throw usage_error(command_ + ": " + std::string{name} + " needs a value");
                }
                value = arguments[++index];
            } else if (equals != std::string_view::npos) {
                throw usage_error(command_ + ": " + std::string{name} + " takes no value");
            }
            if (!options_.emplace(std::string{name}, value).second) {
                throw usage_error(command_ + ": " + std::string{name} + " is given twice");
            }
        }
    }

    [[nodiscard]] bool has(std::string_view name) const {
        return options_.find(name) != options_.end();
    }

    [[nodiscard]] std::optional<std::string> value(std::string_view name) const {
        const auto found = options_.find(name);
        return found == options_.end() ? std::nullopt : std::optional{found->second};
    }

    /// The value of an option the command cannot do without. Throws usage_error.
    [[nodiscard]] std::string required(std::string_view name, std::string_view meaning) const {
        auto found = value(name);
        if (!found || found->empty()) {
            throw usage_error(command_ + " needs " + std::string{name} + " " +
                              std::string{meaning});
        }
        return *std::move(found);
    }

    /// The operands, which must number from `least` to `most`. Throws usage_error.
    [[nodiscard]] const std::vector<std::string>& operands(std::size_t least, std::size_t most,
                                                           std::string_view meaning) const {
        if (operands_.size() < least) {
            throw usage_error(command_ + " needs " + std::string{meaning});
        }
        if (operands_.size() > most) {
            throw usage_error(command_ + ": unexpected argument " + operands_[most]);
        }
        return operands_;
    }

  private:
    std::string command_;
    std::map<std::string, std::string, std::less<>> options_;
    std::vector<std::string> operands_;
};

// ---- output -----------------------------------------------------------------------

std::string printf_string(const char* format, auto... values) {
    std::array<char, 256> text{};
    std::snprintf(text.data(), text.size(), format, values...);
    return text.data();
}

std::string megabytes(std::uint64_t bytes) {
    return printf_string("%.1f MB", static_cast<double>(bytes) / 1e6);
}

std::string hex64(std::uint64_t value) {
    return printf_string("%016llx", static_cast<unsigned long long>(value));
}

/// "2024-05-01 12:00:00.123 UTC" for microseconds since the Unix epoch.
std::string utc_time(std::uint64_t microseconds) {
    const auto seconds = static_cast<std::time_t>(microseconds / 1'000'000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    return printf_string("%04d-%02d-%02d %02d:%02d:%02d.%03u UTC", utc.tm_year + 1900,
                         utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                         static_cast<unsigned>(microseconds % 1'000'000 / 1000));
}

/// "3 log files", "1 log file".
std::string count_of(std::size_t count, std::string_view noun) {
    return std::to_string(count) + " " + std::string{noun} + (count == 1 ? "" : "s");
}

/// A progress bar on standard error, drawn only when it is a terminal, redrawn at
/// most ten times a second. The library calls the callback one call at a time.
class progress_bar {
  public:
    progress_bar() : enabled_(::isatty(STDERR_FILENO) != 0) {}
    progress_bar(const progress_bar&) = delete;
    progress_bar& operator=(const progress_bar&) = delete;

    /// Ends a bar left unfinished by a failure, so the error starts on its own line.
    ~progress_bar() {
        if (drawn_) {
            std::fputc('\n', stderr);
        }
    }

    /// The callback to hand to the library; it refers to this bar.
    [[nodiscard]] hotbackup::progress_callback callback() {
        if (!enabled_) {
            return {};
        }
        return [this](const hotbackup::progress_report& report) { update(report); };
    }

    /// Draws the last state and ends the line.
    void finish() {
        if (drawn_) {
            draw();
            std::fputc('\n', stderr);
            drawn_ = false;
        }
    }

  private:
    static constexpr int width = 20;
    static constexpr auto redraw_interval = std::chrono::milliseconds(100);

    void update(const hotbackup::progress_report& report) {
        latest_ = report;
        const auto now = std::chrono::steady_clock::now();
        if (!drawn_ || now - last_drawn_ >= redraw_interval) {
            draw();
            last_drawn_ = now;
        }
    }

    void draw() {
        const double fraction = latest_.bytes_total == 0
                                    ? 1.0
                                    : static_cast<double>(latest_.bytes_done) /
                                          static_cast<double>(latest_.bytes_total);
        const auto filled = static_cast<int>(fraction * width);
        const std::string bar = std::string(static_cast<std::size_t>(filled), '#') +
                                std::string(static_cast<std::size_t>(width - filled), '-');
        // "\x1b[K" clears what a longer previous line left to the right.
        std::fprintf(stderr, "\r[%s] %3d%% %.1f/%.1f MB  %s\x1b[K", bar.c_str(),
                     static_cast<int>(fraction * 100),
                     static_cast<double>(latest_.bytes_done) / 1e6,
                     static_cast<double>(latest_.bytes_total) / 1e6, latest_.current_file.c_str());
        std::fflush(stderr);
        drawn_ = true;
    }

    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_drawn_{};
    hotbackup::progress_report latest_;
};

// ---- backup -----------------------------------------------------------------------

/// Opens the log header DIR/logs/<base>.log and derives the instance's options
/// from it. Throws backup_error(file_not_found) when DIR is not an instance
/// directory, log_file_corrupt for a damaged header.
hotbackup::instance_options instance_options_of(storage_type& storage,
                                                const std::filesystem::path& directory,
                                                const std::string& base_name) {
    hotbackup::instance_options options;
    options.system_path = directory;
    options.log_path = directory / "logs";
    options.base_name = base_name;
    const auto current_log = options.log_path / hotbackup::current_log_file_name(base_name);
    if (!storage.exists(current_log)) {
        throw hotbackup::backup_error(
            hotbackup::errc::file_not_found, hotbackup::error_context{.file = current_log.string()},
            "not an instance directory: its current log is missing (is the base name '" +
                base_name + "'?)");
    }
    auto log = storage.open(current_log, hotbackup::open_mode::read_only);
    const auto header = hotbackup::read_log_header(log);
    options.page_size = header.page_size;
    options.log_file_size = std::uint64_t{header.segment_count} * hotbackup::log_layout::block_size;
    options.checkpoint_depth = std::max(options.checkpoint_depth, options.log_file_size);
    return options;
}

/// Attaches every *.edb file directly in `directory`.
void attach_databases(engine_type& engine, storage_type& storage,
                      const std::filesystem::path& directory) {
    const auto is_database = [](const hotbackup::directory_entry& entry) {
        return entry.kind == hotbackup::entry_kind::file &&
               std::filesystem::path{entry.name}.extension() == ".edb";
    };
    const auto entries = storage.list(directory);
    for (const auto& entry : entries | ranges::views::filter(is_database)) {
        (void)engine.attach_database(directory / entry.name);
    }
}

void print_backup_report(std::ostream& out, const hotbackup::backup_report& report,
                         const std::string& destination) {
    const auto& contents = report.manifest;
    out << hotbackup::set_kind_name(contents.kind) << " backup into " << destination << ": "
        << (hotbackup::holds_databases(contents.kind)
                ? count_of(contents.databases.size(), "database")
                : std::string{"logs only"})
        << ", log generations " << contents.generations.first << ".." << contents.generations.last
        << " (" << count_of(contents.logs.size(), "log file") << ")\n";
    out << "copied " << megabytes(report.bytes) << " in " << printf_string("%.2f", report.seconds)
        << " s (" << printf_string("%.1f", report.megabytes_per_second()) << " MB/s)";
    if (report.result.logs_truncated) {
        out << "; deleted " << count_of(report.result.logs_deleted, "log file")
            << " the set makes unnecessary";
    }
    out << "\n";
    for (const auto& dropped : report.result.dropped) {
        out << "warning: " << dropped.path.string() << " is not in the set: " << dropped.reason
            << "\n";
    }
    for (const auto& failure : report.result.header_update_failures) {
        out << "warning: the header of " << failure.path.string()
            << " does not record this backup: " << failure.message << "\n";
    }
}

int backup_command(const parsed_arguments& arguments) {
    (void)arguments.operands(0, 0, "no operand");
    // Absolute, so the logs name the databases alike from any working directory.
    const auto instance_directory =
        std::filesystem::absolute(arguments.required("--instance", "DIR")).lexically_normal();
    const auto destination = arguments.required("--to", "DIR, or - for a tar stream on stdout");
    const auto base_name =
        arguments.value("--base-name").value_or(std::string{hotbackup::default_base_name});
    const bool to_stdout = destination == "-";
    if (to_stdout && ::isatty(STDOUT_FILENO) != 0) {
        throw usage_error("backup: refusing to write a tar stream to a terminal");
    }
    std::ostream& out = to_stdout ? std::cerr : std::cout;

    storage_type storage;
    engine_type engine{storage, instance_options_of(storage, instance_directory, base_name)};
    attach_databases(engine, storage, instance_directory);

    progress_bar bar;
    hotbackup::backup_options options;
    options.kind = arguments.has("--incremental") ? hotbackup::backup_kind::incremental
                                                  : hotbackup::backup_kind::full;
    options.truncate = !arguments.has("--no-truncate");
    options.progress = bar.callback();
    hotbackup::backup_report report;
    if (to_stdout) {
        hotbackup::tar_target target{std::cout, std::time(nullptr)};
        report = hotbackup::run_backup(engine, target, options);
    } else {
        hotbackup::directory_target<storage_type> target{storage, destination};
        report = hotbackup::run_backup(engine, target, options);
    }
    bar.finish();
    engine.term();
    print_backup_report(out, report, to_stdout ? "standard output (tar)" : destination);
    return exit_success;
}

// ---- restore, verify, info ----------------------------------------------------------

std::vector<set_type> open_sets(storage_type& storage, const std::vector<std::string>& paths) {
    return paths | ranges::views::transform([&](const std::string& path) {
               return set_type{storage, path};
           }) |
           ranges::to<std::vector>();
}

/// "full + incremental + incremental".
std::string chain_kinds(const std::vector<set_type>& sets) {
    return sets | ranges::views::transform([](const set_type& set) {
               return std::string{hotbackup::set_kind_name(set.contents().kind)};
           }) |
           ranges::views::join(std::string_view{" + "}) | ranges::to<std::string>();
}

void print_restore_report(const hotbackup::restore_report& report, std::size_t set_count) {
    std::cout << "restored " << count_of(report.databases.size(), "database") << " from "
              << count_of(set_count, "set") << " into " << report.options.system_path.string()
              << (report.resumed ? " (an interrupted restore was finished)" : "") << ":\n";
    for (const auto& database : report.databases) {
        std::cout << "  " << database.original_path << " -> " << database.path.string() << "\n";
    }
    std::cout << "replayed " << report.replayed_records << " log records of generations "
              << report.generations.first << ".." << report.generations.last << "\n";
    std::cout << "copied " << megabytes(report.database_bytes + report.log_bytes) << " in "
              << printf_string("%.2f", report.seconds) << " s ("
              << printf_string("%.1f", report.megabytes_per_second()) << " MB/s)\n";
    std::cout << "it is an instance directory: logs in " << report.options.log_path.string()
              << ", base name " << report.options.base_name << ", page size "
              << report.options.page_size << "\n";
}

int restore_command(const parsed_arguments& arguments) {
    const auto& set_paths = arguments.operands(1, SIZE_MAX, "at least one SET");
    const auto destination = arguments.required("--to", "DIR");
    storage_type storage;
    const auto sets = open_sets(storage, set_paths);
    progress_bar bar;
    hotbackup::restore_options options;
    if (const auto logs = arguments.value("--roll-forward")) {
        options.roll_forward = *logs;
    }
    options.progress = bar.callback();
    const auto report = hotbackup::restore(sets, storage, destination, options);
    bar.finish();
    print_restore_report(report, sets.size());
    return exit_success;
}

int verify_command(const parsed_arguments& arguments) {
    const auto& set_paths = arguments.operands(1, SIZE_MAX, "at least one SET");
    storage_type storage;
    const auto sets = open_sets(storage, set_paths);
    progress_bar bar;
    hotbackup::verify_options options;
    options.progress = bar.callback();
    const auto report = hotbackup::verify(sets, options);
    bar.finish();
    std::cout << "verified a chain of " << count_of(sets.size(), "set") << " (" << chain_kinds(sets)
              << "), log generations " << report.chain.generations.first << ".."
              << report.chain.generations.last << "\n";
    std::cout << "read " << count_of(report.database_files, "database file") << " and "
              << count_of(report.log_files, "log file") << ", " << megabytes(report.bytes) << " in "
              << printf_string("%.2f", report.seconds) << " s: every file matches its manifest\n";
    return exit_success;
}

void print_manifest(const std::string& directory, const hotbackup::manifest& contents) {
    const auto elapsed_us = std::max(contents.ended_us, contents.started_us) - contents.started_us;
    std::cout << "backup set   " << directory << "\n"
              << "kind         " << hotbackup::set_kind_name(contents.kind) << "\n"
              << "format       " << contents.source_format << "\n"
              << "base name    " << contents.base_name << "\n"
              << "page size    " << contents.page_size << " bytes\n"
              << "log files    " << contents.log_file_size << " bytes each, log set "
              << hex64(contents.log_signature.random) << " created "
              << utc_time(contents.log_signature.created) << "\n"
              << "generations  " << contents.generations.first << ".." << contents.generations.last
              << "\n"
              << "started      " << utc_time(contents.started_us) << "\n"
              << "ended        " << utc_time(contents.ended_us) << " ("
              << printf_string("%.2f", static_cast<double>(elapsed_us) / 1e6) << " s)\n"
              << "written by   hotbackup " << contents.library_version << "\n"
              << count_of(contents.databases.size(), "database") << ":\n";
    for (const auto& database : contents.databases) {
        std::cout << "  " << database.file << "  " << database.stream_size << " bytes ("
                  << database.page_count << " pages)  xxh3 " << hex64(database.xxh3) << "\n"
                  << "    from " << database.path << "\n";
    }
    std::cout << count_of(contents.logs.size(), "log") << ":\n";
    for (const auto& log : contents.logs) {
        std::cout << "  " << log.file << "  generation " << log.generation << "  " << log.size
                  << " bytes  xxh3 " << hex64(log.xxh3) << "\n";
    }
}

/// The bytes of a file, as stored. Throws backup_error (storage errors).
std::string read_text(storage_type& storage, const std::filesystem::path& path) {
    auto file = storage.open(path, hotbackup::open_mode::read_only);
    std::string text(file.size(), '\0');
    text.resize(file.read_at(0, std::as_writable_bytes(std::span{text.data(), text.size()})));
    return text;
}

int info_command(const parsed_arguments& arguments) {
    const auto& set_path = arguments.operands(1, 1, "one SET").front();
    storage_type storage;
    const set_type set{storage, set_path};  // reads and checks the manifest
    if (arguments.has("--json")) {
        std::cout << read_text(storage, set.path_of(std::string{hotbackup::manifest_name}));
    } else {
        print_manifest(set_path, set.contents());
    }
    return exit_success;
}

// ---- dispatch -----------------------------------------------------------------------

struct command {
    std::string_view name;
    std::vector<option_spec> options;
    int (*run)(const parsed_arguments&);
};

const std::vector<command>& commands() {
    static const std::vector<command> table{
        {"backup",
         {{"--instance", true},
          {"--incremental", false},
          {"--no-truncate", false},
          {"--base-name", true},
          {"--to", true}},
         backup_command},
        {"restore", {{"--to", true}, {"--roll-forward", true}}, restore_command},
        {"verify", {}, verify_command},
        {"info", {{"--json", false}}, info_command},
    };
    return table;
}

bool asks_for_help(std::span<const std::string_view> arguments) {
    return std::ranges::any_of(arguments, [](std::string_view argument) {
        return argument == "--help" || argument == "-h";
    });
}

int run(std::span<const std::string_view> arguments) {
    if (arguments.empty()) {
        throw usage_error("no command given");
    }
    if (arguments.front() == "help" || asks_for_help(arguments)) {
        std::cout << usage_text;
        return exit_success;
    }
    const auto& table = commands();
    const auto found = std::ranges::find(table, arguments.front(), &command::name);
    if (found == table.end()) {
        throw usage_error("unknown command " + std::string{arguments.front()});
    }
    return found->run(parsed_arguments{found->name, arguments.subspan(1), found->options});
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string_view> arguments(argv + 1, argv + argc);
    try {
        return run(arguments);
    } catch (const usage_error& error) {
        std::cerr << "hotbackup: " << error.what() << "\n\n" << usage_text;
        return exit_usage;
    } catch (const hotbackup::backup_error& error) {
        std::cerr << "hotbackup: " << hotbackup::errc_name(error.value()) << " ("
                  << static_cast<int>(error.value()) << "): " << error.what() << "\n";
        return exit_failure;
    } catch (const std::exception& error) {
        std::cerr << "hotbackup: " << error.what() << "\n";
        return exit_unexpected;
    } catch (...) {
        std::cerr << "hotbackup: an unknown exception\n";
        return exit_unexpected;
    }
}
