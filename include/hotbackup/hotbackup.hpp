/// \file
/// The umbrella header: everything of hotbackup's typed API. ESE ports include
/// <hotbackup/esent.hpp> instead (or as well).
#pragma once

#include "hotbackup/error.hpp"
#include "hotbackup/generator.hpp"
#include "hotbackup/types.hpp"
#include "hotbackup/version.hpp"

// The folders are the layers, lowest first: storage, format, protocol, engine, session,
// set (writing a set), restore (reading one back); clang-format sorts them by name.
#include "hotbackup/engine/instance.hpp"
#include "hotbackup/engine/instance_options.hpp"
#include "hotbackup/engine/log_reader.hpp"
#include "hotbackup/engine/transaction.hpp"
#include "hotbackup/format/checkpoint.hpp"
#include "hotbackup/format/database_header.hpp"
#include "hotbackup/format/database_stream.hpp"
#include "hotbackup/format/file_names.hpp"
#include "hotbackup/format/log_format.hpp"
#include "hotbackup/format/page.hpp"
#include "hotbackup/protocol/source_types.hpp"
#include "hotbackup/restore/backup_set.hpp"
#include "hotbackup/restore/external_restore.hpp"
#include "hotbackup/restore/restore.hpp"
#include "hotbackup/restore/verify.hpp"
#include "hotbackup/session/backup_files.hpp"
#include "hotbackup/session/backup_source.hpp"
#include "hotbackup/session/session.hpp"
#include "hotbackup/set/backup_target.hpp"
#include "hotbackup/set/manifest.hpp"
#include "hotbackup/set/progress.hpp"
#include "hotbackup/set/run_backup.hpp"
#include "hotbackup/set/tar_writer.hpp"
#include "hotbackup/storage/any_storage.hpp"
#include "hotbackup/storage/faulty_storage.hpp"
#include "hotbackup/storage/memory_storage.hpp"
#include "hotbackup/storage/posix_storage.hpp"
#include "hotbackup/storage/storage.hpp"
