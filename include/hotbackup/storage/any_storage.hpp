/// \file
/// any_storage: a storage model chosen at run time. It wraps any model of the
/// `storage` concept behind one type, so code that cannot be a template (the
/// esent.hpp instances behind a JET_INSTANCE, a plugin boundary) still runs on
/// real files, on memory, or on a fault-injecting wrapper. Each operation costs one
/// indirect call, next to a system call or a copy of the bytes.
///
/// It either owns the model it wraps (constructed from a model by value, or made in
/// place by `any_storage::make<Model>(args...)`) or refers to one the caller keeps
/// alive (`any_storage::refer(model)`). Copies share the model. Its files are
/// type-erased likewise.
///
/// Errors and durability: exactly those of the wrapped model (storage.hpp).
/// Thread-safety: that of the wrapped model.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "hotbackup/detail/io_error.hpp"
#include "hotbackup/storage/posix_storage.hpp"
#include "hotbackup/storage/storage.hpp"

namespace hotbackup::inline v1 {

/// A storage model chosen at run time; see the header comment. Models `storage`.
class any_storage {
    struct file_base {
        file_base() = default;
        file_base(const file_base&) = delete;
        file_base& operator=(const file_base&) = delete;
        file_base(file_base&&) = delete;
        file_base& operator=(file_base&&) = delete;
        virtual ~file_base() = default;
        virtual std::size_t read_at(std::uint64_t offset, std::span<std::byte> buffer) = 0;
        virtual void write_at(std::uint64_t offset, std::span<const std::byte> bytes) = 0;
        [[nodiscard]] virtual std::uint64_t size() const = 0;
        virtual void resize(std::uint64_t size) = 0;
        virtual void sync() = 0;
        virtual void close() = 0;
        [[nodiscard]] virtual const std::filesystem::path& path() const noexcept = 0;
    };

    template <storage_file File>
    struct file_model final : file_base {
        explicit file_model(File inner) : inner(std::move(inner)) {}
        std::size_t read_at(std::uint64_t offset, std::span<std::byte> buffer) override {
            return inner.read_at(offset, buffer);
        }
        void write_at(std::uint64_t offset, std::span<const std::byte> bytes) override {
            inner.write_at(offset, bytes);
        }
        [[nodiscard]] std::uint64_t size() const override { return inner.size(); }
        void resize(std::uint64_t size) override { inner.resize(size); }
        void sync() override { inner.sync(); }
        void close() override { inner.close(); }
        [[nodiscard]] const std::filesystem::path& path() const noexcept override {
            return inner.path();
        }
        File inner;
    };

    struct storage_base {
        storage_base() = default;
        storage_base(const storage_base&) = delete;
        storage_base& operator=(const storage_base&) = delete;
        storage_base(storage_base&&) = delete;
        storage_base& operator=(storage_base&&) = delete;
        virtual ~storage_base() = default;
        virtual std::unique_ptr<file_base> open(const std::filesystem::path& path,
                                                open_mode mode) = 0;
        virtual bool exists(const std::filesystem::path& path) = 0;
        virtual std::vector<directory_entry> list(const std::filesystem::path& path) = 0;
        virtual void create_directories(const std::filesystem::path& path) = 0;
        virtual void rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
        virtual void remove(const std::filesystem::path& path) = 0;
        virtual void sync_directory(const std::filesystem::path& path) = 0;
        [[nodiscard]] virtual const void* identity() noexcept = 0;
    };

    template <storage Storage>
    struct storage_model final : storage_base {
        std::unique_ptr<Storage> owned;
        Storage* model;
        explicit storage_model(std::unique_ptr<Storage> storage)
            : owned(std::move(storage)), model(owned.get()) {}
        explicit storage_model(Storage& storage) : model(&storage) {}
        std::unique_ptr<file_base> open(const std::filesystem::path& path,
                                        open_mode mode) override {
            return std::make_unique<file_model<typename Storage::file>>(model->open(path, mode));
        }
        bool exists(const std::filesystem::path& path) override { return model->exists(path); }
        std::vector<directory_entry> list(const std::filesystem::path& path) override {
            return model->list(path);
        }
        void create_directories(const std::filesystem::path& path) override {
            model->create_directories(path);
        }
        void rename(const std::filesystem::path& from, const std::filesystem::path& to) override {
            model->rename(from, to);
        }
        void remove(const std::filesystem::path& path) override { model->remove(path); }
        void sync_directory(const std::filesystem::path& path) override {
            model->sync_directory(path);
        }
        [[nodiscard]] const void* identity() noexcept override {
            return detail::storage_identity(*model);
        }
    };

  public:
    /// An open file of the wrapped model. Models `storage_file`; every operation
    /// on a moved-from file throws backup_error(errc::invalid_parameter). It keeps
    /// an owned model alive; a referred one (refer()) must outlive it.
    class file {
      public:
        /// Takes over `other`'s file; `other` is left moved-from.
        file(file&&) noexcept = default;
        /// Closes this file (ignoring errors), then takes over `other`'s.
        file& operator=(file&&) noexcept = default;
        file(const file&) = delete;
        file& operator=(const file&) = delete;
        ~file() = default;

        /// The wrapped file's read_at: up to buffer.size() bytes at offset, fewer
        /// only at end of file.
        std::size_t read_at(std::uint64_t offset, std::span<std::byte> buffer) {
            return get().read_at(offset, buffer);
        }
        /// The wrapped file's write_at: every byte at offset, or throws.
        void write_at(std::uint64_t offset, std::span<const std::byte> bytes) {
            get().write_at(offset, bytes);
        }
        /// The wrapped file's size in bytes.
        [[nodiscard]] std::uint64_t size() const { return get().size(); }
        /// The wrapped file's resize: grows with zero bytes or cuts.
        void resize(std::uint64_t size) { get().resize(size); }
        /// The wrapped file's sync: makes written bytes and the size durable.
        void sync() { get().sync(); }
        /// The wrapped file's close.
        void close() { get().close(); }
        /// The path the file was opened with; empty for a moved-from file.
        [[nodiscard]] const std::filesystem::path& path() const noexcept {
            static const std::filesystem::path none;
            return inner_ ? inner_->path() : none;
        }

      private:
        friend class any_storage;
        explicit file(std::unique_ptr<file_base> inner) : inner_(std::move(inner)) {}
        [[nodiscard]] file_base& get() const {
            if (!inner_) {
                detail::throw_storage_error(errc::invalid_parameter, {}, "the file was moved from");
            }
            return *inner_;
        }
        std::unique_ptr<file_base> inner_;
    };

    /// Real files (posix_storage).
    any_storage() : any_storage(posix_storage{}) {}

    /// Owns `model`.
    template <storage Storage>
        requires(!std::same_as<std::remove_cvref_t<Storage>, any_storage> &&
                 std::move_constructible<Storage>)
    explicit any_storage(Storage model)
        : model_(std::make_shared<storage_model<Storage>>(
              std::make_unique<Storage>(std::move(model)))) {}

    /// Owns a `Storage` made in place from `args` (for models that cannot move,
    /// such as memory_storage and faulty_storage).
    template <storage Storage, class... Args>
        requires std::constructible_from<Storage, Args...>
    [[nodiscard]] static any_storage make(Args&&... args) {
        return any_storage{std::make_shared<storage_model<Storage>>(
            std::make_unique<Storage>(std::forward<Args>(args)...))};
    }

    /// Refers to `model`, which must outlive every copy of the result and its files.
    template <storage Storage>
        requires(!std::same_as<Storage, any_storage>)
    [[nodiscard]] static any_storage refer(Storage& model) {
        return any_storage{std::make_shared<storage_model<Storage>>(model)};
    }

    /// The model's open: opens (or creates, by mode) a file.
    file open(const std::filesystem::path& path, open_mode mode) {
        return file{model_->open(path, mode)};
    }
    /// The model's exists: whether anything is at path.
    bool exists(const std::filesystem::path& path) { return model_->exists(path); }
    /// The model's list: a directory's entries, sorted by name.
    std::vector<directory_entry> list(const std::filesystem::path& path) {
        return model_->list(path);
    }
    /// The model's create_directories: a directory and its missing parents.
    void create_directories(const std::filesystem::path& path) { model_->create_directories(path); }
    /// The model's rename, replacing the target atomically if it exists.
    void rename(const std::filesystem::path& from, const std::filesystem::path& to) {
        model_->rename(from, to);
    }
    /// The model's remove: a file or an empty directory.
    void remove(const std::filesystem::path& path) { model_->remove(path); }
    /// The model's sync_directory: makes the directory's entries durable.
    void sync_directory(const std::filesystem::path& path) { model_->sync_directory(path); }

    /// What makes two storage objects one namespace: that of the wrapped model, so
    /// two instances on the same directories are refused whichever way they wrap it.
    [[nodiscard]] const void* identity() const noexcept { return model_->identity(); }

  private:
    explicit any_storage(std::shared_ptr<storage_base> model) : model_(std::move(model)) {}
    std::shared_ptr<storage_base> model_;
};

static_assert(storage<any_storage>);

}  // namespace hotbackup::inline v1
