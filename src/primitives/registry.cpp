#include "primitives/registry.h"

#include <cstring>

#include "vm/universe.h"

namespace som {

static std::vector<PrimitiveEntry>& entries() {
  static std::vector<PrimitiveEntry> all;
  return all;
}

Registration::Registration(std::initializer_list<PrimitiveEntry> list) {
  for (auto& e : list) entries().push_back(e);
}

void bindNative(Method* m, const std::string& className, bool classSide) {
  std::string_view sel = m->signature->view();
  for (auto& e : entries()) {
    if (e.classSide == classSide && className == e.className && sel == e.selector) {
      if (m->isPrimitive() || e.replacesSmalltalk) m->native = e.fn;
      return;
    }
  }
}

std::vector<PrimitiveEntry> primitivesOf(const std::string& className) {
  std::vector<PrimitiveEntry> out;
  for (auto& e : entries())
    if (className == e.className) out.push_back(e);
  return out;
}

}  // namespace som
