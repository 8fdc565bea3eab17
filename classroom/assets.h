// Files built into the program: the classroom's page (classroom/page, built with npm) and its menus
// (classroom/menus.textproto), so `reesim serve` works from any directory.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace reesim::classroom {

struct Asset {
  const char* path;  // relative, "index.html", "vendor/uPlot.iife.min.js"
  const char* data;  // NUL-terminated
  std::size_t size;
  std::string_view text() const { return {data, size}; }
};

// The page's files.
const std::vector<Asset>& PageAssets();
// classroom/menus.textproto.
const std::vector<Asset>& MenuAssets();

// Returns the page's file at `path` ("" or "/" = index.html), or nullptr.
const Asset* FindPageAsset(std::string_view path);

}  // namespace reesim::classroom
