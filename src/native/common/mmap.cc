#include "mmap.h"
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace kgc {

Mapping mapFile(const std::string& path, std::string& error) {
  const int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0) {
    error = std::strerror(errno);
    return {};
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || st.st_size == 0) {
    error = st.st_size == 0 ? "empty file" : std::strerror(errno);
    close(fd);
    return {};
  }
  void* p = mmap(nullptr, size_t(st.st_size), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  close(fd);
  if (p == MAP_FAILED) {
    error = std::strerror(errno);
    return {};
  }
  madvise(p, size_t(st.st_size), MADV_RANDOM);
  return {p, size_t(st.st_size)};
}

void unmapFile(void* data, size_t size) { munmap(data, size); }

}  // namespace kgc
