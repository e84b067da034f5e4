/// \file
/// What every Jet* call does at its boundary, shared by each esent/ header that
/// defines calls: a call body fails by throwing jet_failure (fail()), or lets a
/// backup_error or std::bad_alloc of the typed API through, and guarded() turns each
/// into the JET_ERR the call returns, so that no exception crosses the API;
/// report_status() calls the JET_PFNSTATUS of a restore or backup.
#pragma once

#include <new>

#include "hotbackup/error.hpp"
#include "hotbackup/esent/types.hpp"

namespace hotbackup::inline v1::detail::jet {

using namespace hotbackup::esent;  // inside detail::jet only: esent.h's names

/// A failed call: the JET_ERR it returns.
struct jet_failure {
    JET_ERR code;
};

[[noreturn]] inline void fail(JET_ERR code) {
    throw jet_failure{code};
}

/// Runs a call body and turns what it throws into its JET_ERR.
template <class Body>
JET_ERR guarded(Body&& body) noexcept {
    try {
        return body();
    } catch (const jet_failure& failure) {
        return failure.code;
    } catch (const backup_error& error) {
        return static_cast<JET_ERR>(error.value());
    } catch (const std::bad_alloc&) {
        return JET_errOutOfMemory;
    } catch (...) {
        return static_cast<JET_ERR>(errc::internal_error);
    }
}

/// Calls a restore status callback; what it returns is ignored, as ESE does.
inline void report_status(JET_PFNSTATUS callback, JET_SNP snp, JET_SNT snt,
                          unsigned long done = 0) {
    if (callback == nullptr) {
        return;
    }
    JET_SNPROG progress{sizeof(JET_SNPROG), done, 100};
    (void)callback(0, snp, snt, snt == JET_sntProgress ? &progress : nullptr);
}

}  // namespace hotbackup::inline v1::detail::jet
