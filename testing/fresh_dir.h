// Folders for GoogleTest binaries: every test process gets one folder,
// $TEST_TMPDIR (or /tmp) /verbind-test-<pid>, removed once every test in the process passed
// (after a failure it stays for inspection; under ctest each test runs in its own process).
// Header-only because it needs GoogleTest, which only test binaries link: verbind_testing
// itself does not, so that benchmarks and fuzz targets can use it. Not thread-safe: call from
// the test's main thread.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace verbind::testing {

// This process's folder for test files (created on first use, mode 0700).
inline std::string TestTempDir() {
  const char* base = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
                    "/verbind-test-" + std::to_string(::getpid());
  std::error_code ignored;
  if (std::filesystem::create_directories(dir, ignored)) {
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ignored);
  }
  return dir;
}

// Removes TestTempDir once every test in the process passed.
class RemoveTestTempWhenPassed : public ::testing::Environment {
 public:
  void TearDown() override {
    if (::testing::UnitTest::GetInstance()->Passed()) {
      std::error_code ignored;
      std::filesystem::remove_all(TestTempDir(), ignored);
    }
  }
};
inline ::testing::Environment* const kRemoveTestTemp =
    ::testing::AddGlobalTestEnvironment(new RemoveTestTempWhenPassed);

// A fresh empty folder TestTempDir()/name (what was there before is removed), mode 0700.
inline std::string FreshDir(const std::string& name) {
  std::string dir = TestTempDir() + "/" + name;
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  EXPECT_FALSE(error) << dir << ": " << error.message();
  EXPECT_TRUE(std::filesystem::create_directory(dir, error)) << dir << ": " << error.message();
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, error);
  return dir;
}

}  // namespace verbind::testing
