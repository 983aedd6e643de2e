/**
 * The storage SPI: where archived objects live, and how a URL becomes a storage.
 *
 * <p>For embedders, one type matters: {@link dev.walarchive.core.storage.ArchiveStorages} opens an
 * {@link dev.walarchive.core.storage.ArchiveStorage} by URL ({@code file:}, {@code mem:name}, and
 * {@code s3://}, {@code gs://}, {@code az://} when those modules are on the class path), checks
 * every option against what the backends describe, and reads options from the environment. The
 * storage exceptions ({@link dev.walarchive.core.storage.ArchiveStorageException} with kind, HTTP
 * status and request id, {@link dev.walarchive.core.storage.StorageConfigurationException}, {@link
 * dev.walarchive.core.storage.BatchDeleteException}, {@link
 * dev.walarchive.core.storage.ClosedStorageException}) are what a failed call throws.
 *
 * <p>For backend authors: implement {@link dev.walarchive.core.storage.ArchiveStorage} (its javadoc
 * is the contract every backend follows) and an {@link
 * dev.walarchive.core.storage.ArchiveStorageProvider} registered in {@code
 * META-INF/services/dev.walarchive.core.storage.ArchiveStorageProvider}; describe options as {@link
 * dev.walarchive.core.storage.OptionSpec}s and parse values with {@link
 * dev.walarchive.core.storage.OptionValues}. The helpers in {@link dev.walarchive.core.storage.spi}
 * ({@code StorageOptions} for URL query and options, {@code StorageKeys} for key checks, and the
 * rest of the skeleton) give the behaviour the contract suite ({@code AbstractArchiveStorageTest}
 * in core's test jar) checks. {@link dev.walarchive.core.storage.FileStorageProvider} and {@link
 * dev.walarchive.core.storage.MemoryStorageProvider} are public only because {@link
 * java.util.ServiceLoader} needs them to be; the {@code file:} and {@code mem:} storages themselves
 * are package-private.
 */
package dev.walarchive.core.storage;
