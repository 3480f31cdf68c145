// The primitive registry: natives by (class name, selector, side). Each primitives/*.cpp
// file registers the natives of one SOM class through a static Registration.
#pragma once

#include <string>
#include <vector>

#include "vm/objects.h"

namespace som {

struct PrimitiveEntry {
  const char* className;
  const char* selector;
  bool classSide;
  PrimitiveFn fn;
  // A native that stands in for a method the library writes in Smalltalk (same
  // behaviour, faster); only used when the library method exists.
  bool replacesSmalltalk;
};

struct Registration {
  Registration(std::initializer_list<PrimitiveEntry> entries);
};

// Sets m->native if the registry has a native for it.
void bindNative(Method* m, const std::string& className, bool classSide);
// The native of Block1>>value, Block2>>value:, Block3>>value:with: for `arity` arguments
// (0..2): a send site that finds it may call the block's compiled body directly, as the
// primitive would after its arity check.
PrimitiveFn blockEvaluation(unsigned arity);
// Natives of one class (for tests and --help-primitives).
std::vector<PrimitiveEntry> primitivesOf(const std::string& className);

}  // namespace som
