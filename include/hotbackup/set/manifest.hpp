/// \file
/// The manifest of a backup set (docs/architecture.md §8 "Backup sets and restore"): a JSON file,
/// manifest.json, that a target writes last and atomically. It says what the set is
/// (kind, base name, log signature, page and log file size, the generation range),
/// lists every file with its size and XXH3-64 checksum, and records when the backup
/// ran and which library wrote it. A set without a valid manifest is incomplete and
/// is never restored.
///
/// ~~~{.unparsed}
///   {
///     "format": "hotbackup backup set", "format_version": 1,
///     "library_version": "0.1.0",
///     "kind": "full" | "copy" | "incremental" | "differential",
///     "base_name": "edb", "page_size": 8192, "log_file_size": 5242880,
///     "log_signature": {"random": "<16 hex>", "created_us": <integer>},
///     "generation_low": 7, "generation_high": 12,
///     "started_us": <integer>, "ended_us": <integer>,
///     "started": "<ISO 8601 UTC>", "ended": "<ISO 8601 UTC>",
///     "databases": [{"path": "<original path>", "file": "databases/orders.edb",
///                    "page_count": 100, "stream_size": 843776, "xxh3": "<16 hex>",
///                    "database_signature": {...}}],
///     "logs": [{"generation": 7, "file": "logs/edb00000007.log",
///               "size": 5242880, "xxh3": "<16 hex>"}],
///     "manifest_xxh3": "<16 hex>"
///   }
/// ~~~
///
/// 64-bit hashes and random numbers are hex strings, so a JSON reader that holds
/// numbers as doubles (jq, JavaScript) keeps them exact. "manifest_xxh3" is XXH3-64
/// of the compact, key-sorted JSON of every other member: a flipped byte anywhere in
/// the file is caught, also in a member a restore does not otherwise use.
///
/// Kinds: full = every database and the logs, the logs then truncated; copy = the
/// same without truncation; incremental = the logs only, truncated; differential =
/// the logs only, not truncated (ESE's four header slots, docs/protocol.md §3.6).
///
/// Errors: manifest::parse throws backup_error(errc::invalid_backup) naming the
/// manifest and what is wrong with it, and errc::invalid_path for a file name that
/// would leave the set's directory (absolute, a ".." component).
///
/// Thread-safety: value types and pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hotbackup/detail/xxhash.hpp"
#include "hotbackup/engine/instance_options.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/database_header.hpp"
#include "hotbackup/format/file_names.hpp"
#include "hotbackup/protocol/source_types.hpp"
#include "hotbackup/set/tar_writer.hpp"
#include "hotbackup/types.hpp"
#include "hotbackup/version.hpp"

namespace hotbackup::inline v1 {

/// What a backup set holds; see the header comment. It is the header slot its
/// backup records (backup_slot_of()): full, copy, incremental or differential.
using set_kind = backup_slot;

/// "full", "copy", "incremental" or "differential".
[[nodiscard]] constexpr std::string_view set_kind_name(set_kind kind) noexcept {
    switch (kind) {
        case set_kind::full:
            return "full";
        case set_kind::copy:
            return "copy";
        case set_kind::incremental:
            return "incremental";
        case set_kind::differential:
            return "differential";
    }
    return "unknown";
}

/// Whether a set of this kind holds databases (and so can start a restore chain).
[[nodiscard]] constexpr bool holds_databases(set_kind kind) noexcept {
    return kind == set_kind::full || kind == set_kind::copy;
}

/// One database stream of a set.
struct manifest_database {
    std::string path;  ///< where the database lived when it was backed up
    std::string file;  ///< the stream's name in the set
    /// The database's pages in the stream (N).
    page_number page_count = 0;
    std::uint64_t stream_size = 0;  ///< (page_count + 3) × page_size
    std::uint64_t xxh3 = 0;         ///< XXH3-64, seed 0, of the whole stream
    /// The database's signature, as in its header.
    signature database_signature{};
    /// Compares member by member.
    friend bool operator==(const manifest_database&, const manifest_database&) = default;
};

/// One log file of a set.
struct manifest_log {
    /// The log generation the file holds.
    log_generation generation = 0;
    std::string file;  ///< the log's name in the set
    /// The file's length in bytes: the log file size.
    std::uint64_t size = 0;
    std::uint64_t xxh3 = 0;  ///< XXH3-64, seed 0, of the whole file
    /// Compares member by member.
    friend bool operator==(const manifest_log&, const manifest_log&) = default;
};

/// The manifest of a backup set; see the header comment.
struct manifest {
    /// The "format" member: what the file is.
    static constexpr std::string_view format_name = "hotbackup backup set";
    /// The "format_version" member; parse() refuses others.
    static constexpr int format_version = 1;

    /// Full, copy, incremental or differential.
    set_kind kind = set_kind::full;
    /// The log files' base name (as "edb" in edb00000007.log).
    std::string base_name{default_base_name};
    /// Bytes per database page.
    std::uint32_t page_size = 0;
    /// Bytes per log file.
    std::uint64_t log_file_size = 0;
    /// The signature of the log set the logs belong to.
    signature log_signature{};
    /// The set's log generations (JSON keys "generation_low" and "generation_high",
    /// as 0.1.0 wrote them).
    generation_range generations;
    /// The database streams (full and copy sets only).
    std::vector<manifest_database> databases;
    /// The logs, one per generation of `generations`, in order.
    std::vector<manifest_log> logs;
    std::uint64_t started_us = 0;  ///< microseconds since the Unix epoch
    /// When the files were copied, before the manifest was committed (as started_us).
    std::uint64_t ended_us = 0;
    /// The version of the library that wrote the set.
    std::string library_version{version_string};
    /// The format of the source's pages and logs (source_format_of()): verify()
    /// checks pages and logs of reference_format_name sets only, and only those can
    /// be restored. Sets written before this member existed are of that format.
    std::string source_format{reference_format_name};

    /// Compares member by member.
    friend bool operator==(const manifest&, const manifest&) = default;

    /// The bytes of manifest.json: indented JSON ending in a newline.
    [[nodiscard]] std::string to_json() const {
        auto document = members();
        document["manifest_xxh3"] = to_hex(checksum_of(document));
        return document.dump(2) + "\n";
    }

    /// Reads manifest.json; `where` names it in errors. Throws backup_error:
    /// invalid_backup (not JSON, a member missing or of the wrong type, a wrong
    /// checksum, values that contradict each other), invalid_path (a file name
    /// that leaves the set).
    [[nodiscard]] static manifest parse(std::string_view text, const std::string& where) {
        nlohmann::json document;
        try {
            document = nlohmann::json::parse(text);
        } catch (const nlohmann::json::exception& error) {
            reject(where, std::string{"not valid JSON ("} + error.what() + ")");
        }
        if (!document.is_object()) {
            reject(where, "not a JSON object");
        }
        manifest result;
        try {
            if (document.at("format").get<std::string>() != format_name) {
                reject(where, "not a hotbackup manifest (member \"format\")");
            }
            const auto version = document.at("format_version").get<int>();
            if (version != format_version) {
                reject(where, "format version " + std::to_string(version) +
                                  " (this library reads version " + std::to_string(format_version) +
                                  ")");
            }
            const auto stored = parse_hex(document.at("manifest_xxh3"), where, "manifest_xxh3");
            auto covered = document;
            covered.erase("manifest_xxh3");
            if (checksum_of(covered) != stored) {
                reject(where, "the manifest's checksum does not match its contents");
            }
            result.read_members(document, where);
        } catch (const nlohmann::json::exception& error) {
            reject(where,
                   std::string{"a member is missing or has the wrong type ("} + error.what() + ")");
        }
        result.check(where);
        return result;
    }

  private:
    [[noreturn]] static void reject(const std::string& where, const std::string& why) {
        throw backup_error(errc::invalid_backup, error_context{.file = where},
                           "invalid backup set manifest: " + why);
    }

    static std::string to_hex(std::uint64_t value) {
        std::array<char, 17> text{};
        std::snprintf(text.data(), text.size(), "%016llx", static_cast<unsigned long long>(value));
        return text.data();
    }

    static std::uint64_t parse_hex(const nlohmann::json& value, const std::string& where,
                                   std::string_view member) {
        const auto text = value.get<std::string>();
        std::uint64_t result = 0;
        if (text.size() != 16) {
            reject(where, "member \"" + std::string{member} + "\" is not 16 hex digits");
        }
        for (const char digit : text) {
            const auto nibble = (digit >= '0' && digit <= '9')   ? digit - '0'
                                : (digit >= 'a' && digit <= 'f') ? digit - 'a' + 10
                                                                 : -1;
            if (nibble < 0) {
                reject(where,
                       "member \"" + std::string{member} + "\" is not 16 lower-case hex digits");
            }
            result = (result << 4) | static_cast<std::uint64_t>(nibble);
        }
        return result;
    }

    static std::uint64_t checksum_of(const nlohmann::json& covered) {
        const auto text = covered.dump();
        return detail::xxh3_64_portable(std::as_bytes(std::span{text.data(), text.size()}), 0);
    }

    static std::string iso_time(std::uint64_t microseconds) {
        const auto seconds = static_cast<std::time_t>(microseconds / 1'000'000);
        std::tm utc{};
        gmtime_r(&seconds, &utc);
        std::array<char, 96> text{};  // room for any int the format allows
        std::snprintf(text.data(), text.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ",
                      utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                      utc.tm_sec, static_cast<unsigned>(microseconds % 1'000'000));
        return text.data();
    }

    static nlohmann::json signature_json(const signature& value) {
        return {{"random", to_hex(value.random)}, {"created_us", value.created}};
    }

    static signature read_signature(const nlohmann::json& value, const std::string& where,
                                    std::string_view member) {
        return {parse_hex(value.at("random"), where, member),
                value.at("created_us").get<std::uint64_t>()};
    }

    [[nodiscard]] nlohmann::json members() const {
        nlohmann::json document;
        document["format"] = format_name;
        document["format_version"] = format_version;
        document["library_version"] = library_version;
        document["source_format"] = source_format;
        document["kind"] = set_kind_name(kind);
        document["base_name"] = base_name;
        document["page_size"] = page_size;
        document["log_file_size"] = log_file_size;
        document["log_signature"] = signature_json(log_signature);
        document["generation_low"] = generations.first;
        document["generation_high"] = generations.last;
        document["started_us"] = started_us;
        document["ended_us"] = ended_us;
        document["started"] = iso_time(started_us);
        document["ended"] = iso_time(ended_us);
        document["databases"] = nlohmann::json::array();
        for (const auto& database : databases) {
            document["databases"].push_back(
                {{"path", database.path},
                 {"file", database.file},
                 {"page_count", database.page_count},
                 {"stream_size", database.stream_size},
                 {"xxh3", to_hex(database.xxh3)},
                 {"database_signature", signature_json(database.database_signature)}});
        }
        document["logs"] = nlohmann::json::array();
        for (const auto& log : logs) {
            document["logs"].push_back({{"generation", log.generation},
                                        {"file", log.file},
                                        {"size", log.size},
                                        {"xxh3", to_hex(log.xxh3)}});
        }
        return document;
    }

    void read_members(const nlohmann::json& document, const std::string& where) {
        library_version = document.at("library_version").get<std::string>();
        source_format =
            document.value("source_format", std::string{reference_format_name});  // 0.1.0: absent
        const auto kind_text = document.at("kind").get<std::string>();
        bool known = false;
        for (const auto candidate :
             {set_kind::full, set_kind::copy, set_kind::incremental, set_kind::differential}) {
            if (kind_text == set_kind_name(candidate)) {
                kind = candidate;
                known = true;
            }
        }
        if (!known) {
            reject(where, "unknown kind \"" + kind_text + "\"");
        }
        base_name = document.at("base_name").get<std::string>();
        page_size = document.at("page_size").get<std::uint32_t>();
        log_file_size = document.at("log_file_size").get<std::uint64_t>();
        log_signature = read_signature(document.at("log_signature"), where, "log_signature");
        generations.first = document.at("generation_low").get<log_generation>();
        generations.last = document.at("generation_high").get<log_generation>();
        started_us = document.at("started_us").get<std::uint64_t>();
        ended_us = document.at("ended_us").get<std::uint64_t>();
        for (const auto& entry : document.at("databases")) {
            databases.push_back({.path = entry.at("path").get<std::string>(),
                                 .file = entry.at("file").get<std::string>(),
                                 .page_count = entry.at("page_count").get<page_number>(),
                                 .stream_size = entry.at("stream_size").get<std::uint64_t>(),
                                 .xxh3 = parse_hex(entry.at("xxh3"), where, "xxh3"),
                                 .database_signature = read_signature(
                                     entry.at("database_signature"), where, "database_signature")});
        }
        for (const auto& entry : document.at("logs")) {
            logs.push_back({.generation = entry.at("generation").get<log_generation>(),
                            .file = entry.at("file").get<std::string>(),
                            .size = entry.at("size").get<std::uint64_t>(),
                            .xxh3 = parse_hex(entry.at("xxh3"), where, "xxh3")});
        }
    }

    /// The rules the members must keep with each other.
    void check(const std::string& where) const {
        if (source_format.empty()) {
            reject(where, "member \"source_format\" is empty");
        }
        if (source_format != reference_format_name) {
            // Another engine's format: its own page and log sizes.
            if (page_size == 0) {
                reject(where, "page_size is 0");
            }
        } else {
            check_reference_sizes(where);
        }
        check_contents(where);
    }

    /// The reference engine's rules for base name, page and log file sizes.
    void check_reference_sizes(const std::string& where) const {
        try {
            instance_options options;
            options.base_name = base_name;
            options.page_size = page_size;
            options.log_file_size = log_file_size;
            options.checkpoint_depth = log_file_size;
            options.validate();
        } catch (const backup_error& error) {
            reject(where, error.what());
        }
    }

    /// The rules the kind, the generation range and the file lists keep.
    void check_contents(const std::string& where) const {
        if (!holds_databases(kind) && !databases.empty()) {
            reject(where, "a set of kind " + std::string{set_kind_name(kind)} + " lists databases");
        }
        const auto range =
            std::to_string(generations.first) + ".." + std::to_string(generations.last);
        if (generations.empty()) {
            reject(where, "generation range " + range + " is empty");
        }
        if (logs.size() != generations.size()) {
            reject(where,
                   "it lists " + std::to_string(logs.size()) + " logs for generations " + range);
        }
        std::set<std::string> files;
        for (std::size_t index = 0; index < logs.size(); ++index) {
            const auto& log = logs[index];
            if (log.generation != generations.first + index) {
                reject(where, "log " + log.file + " has generation " +
                                  std::to_string(log.generation) + " out of order");
            }
            // The reference engine's logs are all of one size; another engine's
            // (source_format) may not be.
            if (source_format == reference_format_name && log.size != log_file_size) {
                reject(where, "log " + log.file + " has " + std::to_string(log.size) +
                                  " bytes, the log file size is " + std::to_string(log_file_size));
            }
            check_file_name(log.file, where, files);
        }
        for (const auto& database : databases) {
            if (database.stream_size !=
                (std::uint64_t{database.page_count} + 3) * std::uint64_t{page_size}) {
                reject(where, "database " + database.file + " has a stream of " +
                                  std::to_string(database.stream_size) + " bytes for " +
                                  std::to_string(database.page_count) + " pages");
            }
            if (database.path.empty()) {
                reject(where, "database " + database.file + " has no original path");
            }
            check_file_name(database.file, where, files);
        }
    }

    static void check_file_name(const std::string& name, const std::string& where,
                                std::set<std::string>& seen) {
        try {
            detail::tar::check_name(name);
        } catch (const backup_error& error) {
            throw backup_error(
                errc::invalid_path, error_context{.file = where},
                "the manifest names a file outside its set: " + std::string{error.what()});
        }
        if (name == "manifest.json" || !seen.insert(name).second) {
            reject(where, "file name " + name + " is used twice");
        }
    }
};

}  // namespace hotbackup::inline v1
