package dev.walarchive.core.storage;

class MemoryArchiveStorageTest extends AbstractArchiveStorageTest {
  @Override
  protected ArchiveStorage createStorage() {
    return ArchiveStorages.memory();
  }
}
