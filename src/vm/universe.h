// The Universe: the VM's global state (well-known classes and objects, symbols, the class
// path, the VM stack) and the allocation helpers every layer uses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <gc/gc_allocator.h>

#include "gc/heap.h"
#include "vm/objects.h"

namespace som {

struct Options {
  std::vector<std::string> classPath;
  size_t maxHeapBytes = 0;
  size_t maxStackDepth = 100000;
  bool stats = false;
  std::string jit = "both";
  int64_t tier1Threshold = -1;  // -1: the tuned default
  bool jitLog = false;
  bool perfMap = false;
  size_t codeCacheBytes = size_t(64) << 20;
};

struct Universe {
  Value nil, trueObject, falseObject, systemObject;

  Class* objectClass;
  Class* classClass;
  Class* metaclassClass;
  Class* nilClass;
  Class* arrayClass;
  Class* methodClass;
  Class* primitiveClass;
  Class* symbolClass;
  Class* stringClass;
  Class* integerClass;
  Class* doubleClass;
  Class* blockClass;
  Class* blockClasses[4];  // by parameter count 0..2 (index 3 unused)
  Class* booleanClass;
  Class* trueClass;
  Class* falseClass;
  Class* systemClass;

  Symbol* symDoesNotUnderstand;
  Symbol* symUnknownGlobal;
  Symbol* symEscapedBlock;
  Symbol* symInitialize;
  Symbol* symMustBeBoolean;
  Symbol* symValue;

  Options options;
  std::vector<std::string> classPath;

  // The VM stack: one contiguous array of words holding every activation's receiver,
  // arguments, locals and operand stack (see interp/frame.h).
  Value* stackBase = nullptr;
  Value* stackLimit = nullptr;
  Value* stackHighWater = nullptr;  // end of the live part, read by the collector
  Frame* currentFrame = nullptr;
  char* nativeStackLimit = nullptr;
  size_t depth = 0;

  // Unwinding: a non-local return (or a restart) sets these and returns the null Value
  // up the native call chain until the target frame sees it.
  Frame* unwindTarget = nullptr;
  Value unwindValue;
  bool restartRequested = false;

  // Invocations plus loop iterations after which a method is compiled by tier 1;
  // UINT32_MAX when tier 1 is off.
  uint32_t tier1Threshold = UINT32_MAX;
  // Back edges of a method before the interpreter asks the JITs about its loops (the
  // smaller of the tiers' thresholds).
  uint32_t loopThreshold = UINT32_MAX;
  uint32_t entryThreshold = UINT32_MAX;  // method entries ask tier 2 past it (--jit=tier2)

  uint64_t startMicros = 0;
  uint64_t bytecodesExecuted = 0;
  uint64_t bytecodeCompileMicros = 0;  // parsing and compiling classes  // only counted in TWOSOM_COUNT_BYTECODES builds
  uint64_t hashSeed = 0x9E3779B97F4A7C15ull;
};

extern Universe U;

// A std::vector whose storage the collector scans: for Values held by C++ code across
// allocations (malloc'ed memory is invisible to the collector).
template <class T>
using GcVector = std::vector<T, traceable_allocator<T>>;

// --- allocation -------------------------------------------------------------------------
uint32_t nextIdentityHash();

template <class T>
T* allocObject(Class* cls, Kind kind, size_t bytes) {
  T* o = static_cast<T*>(heap::allocate(bytes));
  o->cls = cls;
  o->hash = nextIdentityHash();
  o->kind = kind;
  return o;
}

Instance* newInstance(Class* cls);
Array* newArray(uint64_t length);
Array* newArrayOf(const GcVector<Value>& values);
String* newString(std::string_view text);
Symbol* intern(std::string_view text);
Context* newContext(uint64_t count, Context* outer, Frame* frame);
Block* newBlock(Method* code, Context* outer, Value self);

// --- classes ----------------------------------------------------------------------------
inline Class* classOf(Value v) {
  switch (v.tag()) {
    case uint64_t(Tag::Pointer): return v.asObject()->cls;
    case uint64_t(Tag::Int): return U.integerClass;
    default: return U.doubleClass;
  }
}
Method* lookup(Class* cls, Symbol* selector);
void invalidateLookupCache();

inline Value boolValue(bool b) { return b ? U.trueObject : U.falseObject; }
uint32_t stringHash(std::string_view s);
uint32_t selectorArity(std::string_view selector);

std::string className(Class* cls);

uint64_t microsSinceStart();

}  // namespace som
