// Heap object layouts. Every heap object starts with an ObjectHeader; the `kind` says
// which C++ layout follows, the `cls` says which SOM class the object answers to `class`
// (a user subclass of Array is still kind Array).
//
// Field access by bytecode is uniform: field i of any object with fields is the word at
// reinterpret_cast<Value*>(obj)[kFirstFieldWord + i]. Class objects keep their VM data
// first and their class-side fields after it; the compiler adds Class::kFieldWordOffset to
// field indices in class-side methods, so one PUSH_FIELD serves both.
#pragma once

#include <gmp.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vm/value.h"

namespace som {

struct Class;
struct Method;
struct Frame;
struct Context;

enum class Kind : uint8_t {
  Instance,
  Array,
  String,
  Symbol,
  LargeInt,
  Double,
  Block,
  Method,
  Class,
  Context,
};

struct Object {
  Class* cls;
  uint32_t hash;
  Kind kind;
  uint8_t flags;
  uint16_t unused;

  Value* fieldWords() { return reinterpret_cast<Value*>(this); }
};

inline constexpr size_t kFirstFieldWord = sizeof(Object) / sizeof(Value);

struct Instance : Object {
  Value fields[];
};

struct Array : Object {
  uint64_t length;
  Value elements[];
};
// Byte offsets for code that addresses arrays directly (fast paths, native code).
inline constexpr int32_t kArrayLengthOffset = int32_t(sizeof(Object));
inline constexpr int32_t kArrayElementsOffset = int32_t(sizeof(Object) + sizeof(uint64_t));
static_assert(sizeof(Array) == sizeof(Object) + sizeof(uint64_t));

// Strings and Symbols share one layout so every string primitive accepts both.
// `global` and `numArgs` are only meaningful for Symbols: a global variable's value lives
// in its (interned, immortal) Symbol, which makes a global read one load.
struct String : Object {
  uint64_t length;
  Value global;        // Symbols: the bound global, or null when unbound
  uint32_t numArgs;    // Symbols: arity of the selector
  uint32_t contentHash;
  char chars[];        // NUL-terminated for convenience; may contain NULs

  std::string_view view() const { return {chars, length}; }
};
using Symbol = String;

struct LargeInt : Object {
  mpz_t value;
};

struct BoxedDouble : Object {
  double value;
};

// A heap context holds the variables of one activation that inner blocks capture, and
// tells whether that activation is still running (frame != nullptr): non-local returns
// and escapedBlock: depend on that.
struct Context : Object {
  Context* outer;
  Frame* frame;
  uint64_t count;
  Value vars[];
};

struct Block : Object {
  Method* code;
  Context* outer;
  Value self;
};

// One inline cache per send site: two (receiver class, method) entries, so that sites
// that see two classes (common: nil and one other, or a class and its subclass) stay fast.
// After kMaxCacheFills fills a site is megamorphic: it keeps its entries and answers
// misses from the global lookup cache, instead of being rewritten on every send.
struct InlineCache {
  Class* cls;
  Method* target;
  Class* cls2;
  Method* target2;
  uint64_t fills;
};
inline constexpr uint64_t kMaxCacheFills = 16;

using PrimitiveFn = Value (*)(Value* args, Frame* caller);

enum MethodFlags : uint16_t {
  kIsPrimitive = 1,       // declared `= primitive` (SOM class Primitive)
  kOwnsContext = 2,       // activations allocate a heap Context
  kIsBlock = 4,
  kHasNonLocalReturn = 8,
  kNoEntryTrace = 16,     // tier 2 will not trace its entry (blacklisted)
  kLoopsLong = 32,        // tier 2 calls it instead of inlining: its loop ran longer than
                          // traces unroll loops of inlined methods
};

// Methods, primitives and block bodies. A method may have a `native` even when it is
// written in Smalltalk (natives that replace library methods, e.g. Integer>>max:); the
// interpreter then calls the native and never runs the bytecode.
struct Method : Object {
  String* signature;
  Class* holder;
  Method* outerMethod;      // blocks: the lexically enclosing method or block
  PrimitiveFn native;
  uint16_t flags;
  uint16_t numArgs;         // including the receiver (block: the block itself)
  uint16_t numLocals;
  uint16_t maxStack;
  uint16_t numContextVars;
  uint16_t numCapturedArgs;
  uint32_t codeLength;
  uint8_t* code;
  Value* literals;
  uint32_t numLiterals;
  uint32_t numCaches;
  InlineCache* caches;
  uint8_t* capturedArgs;    // pairs (arg slot, context index) copied at activation
  uint32_t* lineTable;      // pairs (bytecode offset, source line), ascending
  uint32_t lineTableLength;
  uint32_t invocationCount;
  String* sourceFile;
  // Methods whose whole effect is one field read, one field write or one constant are
  // answered at the send site without an activation (see interp/trivial.h).
  uint8_t trivialKind;
  uint16_t trivialOperand;
  Value trivialConstant;
  // Tier 1: native code for the whole method (entered at its start or, through the map
  // from bytecode offsets to code offsets, at any bytecode boundary).
  uint8_t tier1State;     // 0 not compiled, 1 compiled, 2 will not be compiled
  void* tier1Code;
  void* tier1Direct;      // entry for calls from tier-1 send sites (sets up its own frame)
  uint32_t* tier1Map;     // codeLength + 1 entries; UINT32_MAX where no bytecode starts
  // Tier 2: how many of its loops have a root trace (while any has, the interpreter asks
  // tier 2 at every back edge of a hot method, whatever its other loops did).
  uint16_t tracedLoops;
  void* tier2Entry;       // tier 2's record of its entry, once it was hot at entry
  const void* tier2EntryCode;  // its entry trace (tier-1 code calls it directly)

  uint32_t frameSize() const { return uint32_t(numArgs) + numLocals + maxStack; }
  bool isPrimitive() const { return flags & kIsPrimitive; }
  bool isBlock() const { return flags & kIsBlock; }
};

struct MethodTable;

struct Class : Object {
  Class* superclass;
  Symbol* name;
  Array* instanceFieldNames;  // all instance fields, inherited first
  Array* methodsArray;        // own methods in source order
  MethodTable* methods;       // own methods by selector
  uint32_t numInstanceFields;
  Kind instanceKind;          // what `new` makes
  uint8_t isMetaclass;
  uint16_t unused;
  uint64_t numSlots;          // class-side fields (declared on the metaclass side)
  Value slots[];
};

// Class-side field i lives at word kFirstFieldWord + kClassFieldWordOffset + i.
inline constexpr size_t kClassFieldWordOffset = sizeof(Class) / sizeof(Value) - kFirstFieldWord;

struct MethodTable : Object {
  uint64_t capacity;  // power of two
  uint64_t count;
  struct Entry { Symbol* selector; Method* method; } entries[];
};

// Helpers on values that need the object layouts.
inline bool isKind(Value v, Kind k) { return v.isObject() && v.asObject()->kind == k; }
inline String* asString(Value v) { return static_cast<String*>(v.asObject()); }
inline Array* asArray(Value v) { return static_cast<Array*>(v.asObject()); }

}  // namespace som
