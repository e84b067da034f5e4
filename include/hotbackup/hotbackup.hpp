// The umbrella header: everything of hotbackup's typed API. ESE ports include
// <hotbackup/esent.hpp> instead (or as well).
#pragma once

#include "hotbackup/engine/file_names.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/generator.hpp"
#include "hotbackup/storage/faulty_storage.hpp"
#include "hotbackup/storage/memory_storage.hpp"
#include "hotbackup/storage/posix_storage.hpp"
#include "hotbackup/storage/storage.hpp"
#include "hotbackup/types.hpp"
#include "hotbackup/version.hpp"
