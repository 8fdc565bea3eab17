#include "classroom/assets.h"

#include "classroom/game.h"

namespace reesim::classroom {

const Asset* FindPageAsset(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (path.empty()) path = "index.html";
  for (const Asset& asset : PageAssets()) {
    if (path == asset.path) return &asset;
  }
  return nullptr;
}

std::string_view ClassroomMenusText() { return MenuAssets().at(0).text(); }

}  // namespace reesim::classroom
