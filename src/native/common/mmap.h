// Read-only file mapping for feature matrices larger than memory (Node has no mmap). Mapped
// MAP_PRIVATE + PROT_WRITE so a stray write from JS copies the page instead of faulting or
// touching the file.
#pragma once
#include <cstddef>
#include <string>

namespace kgc {

struct Mapping {
  void* data = nullptr;
  size_t size = 0;
};

// Returns {nullptr, 0} and sets error on failure.
Mapping mapFile(const std::string& path, std::string& error);
void unmapFile(void* data, size_t size);

}  // namespace kgc
