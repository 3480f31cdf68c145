#include "vm/universe.h"

#include <chrono>
#include <cstring>
#include <unordered_map>

#include "vm/classes.h"

namespace som {

Universe U;

uint32_t nextIdentityHash() {
  // xorshift: cheap, well spread, never 0 so that 0 can mean "unset" if ever needed
  uint64_t x = U.hashSeed;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  U.hashSeed = x;
  return uint32_t(x >> 33) | 1;
}

Instance* newInstance(Class* cls) {
  size_t n = cls->numInstanceFields;
  auto* o = allocObject<Instance>(cls, Kind::Instance, sizeof(Instance) + n * sizeof(Value));
  for (size_t i = 0; i < n; i++) o->fields[i] = U.nil;
  return o;
}

Array* newArray(uint64_t length) {
  auto* a = allocObject<Array>(U.arrayClass, Kind::Array, sizeof(Array) + length * sizeof(Value));
  a->length = length;
  for (uint64_t i = 0; i < length; i++) a->elements[i] = U.nil;
  return a;
}

Array* newArrayOf(const GcVector<Value>& values) {
  Array* a = newArray(values.size());
  for (size_t i = 0; i < values.size(); i++) a->elements[i] = values[i];
  return a;
}

static String* allocString(Class* cls, Kind kind, std::string_view text, bool immortal) {
  size_t bytes = sizeof(String) + text.size() + 1;
  // Strings hold no heap pointers (their `global` slot is only used by Symbols, which
  // are immortal and scanned), so ordinary strings can be atomic.
  auto* s = static_cast<String*>(immortal ? heap::allocateImmortal(bytes) : heap::allocateAtomic(bytes));
  s->cls = cls;
  s->hash = nextIdentityHash();
  s->kind = kind;
  s->flags = 0;
  s->unused = 0;
  s->length = text.size();
  s->global = Value();
  s->numArgs = 0;
  s->contentHash = 0;
  std::memcpy(s->chars, text.data(), text.size());
  s->chars[text.size()] = '\0';
  return s;
}

String* newString(std::string_view text) {
  return allocString(U.stringClass, Kind::String, text, false);
}

uint32_t stringHash(std::string_view s) {
  uint32_t h = 2166136261u;  // FNV-1a
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h & 0x3FFFFFFF;  // stays a SmallInteger everywhere
}

uint32_t selectorArity(std::string_view sel) {
  if (sel.empty()) return 0;
  char c = sel[0];
  bool isLetter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  if (!isLetter) return 1;  // binary selector
  uint32_t n = 0;
  for (char ch : sel)
    if (ch == ':') n++;
  return n;
}

namespace {
struct SymbolTable {
  std::unordered_map<std::string_view, Symbol*> map;
};
SymbolTable& symbols() {
  static SymbolTable* t = new SymbolTable();
  return *t;
}
}  // namespace

Symbol* intern(std::string_view text) {
  auto& map = symbols().map;
  auto it = map.find(text);
  if (it != map.end()) return it->second;
  // Symbols are immortal: the table (malloc memory) refers to them, the collector must
  // not free them, and their `global` slot roots every global value.
  Symbol* s = allocString(U.symbolClass, Kind::Symbol, text, true);
  s->numArgs = selectorArity(text);
  s->contentHash = stringHash(text);
  map.emplace(std::string_view(s->chars, s->length), s);
  return s;
}

void forEachSymbol(void (*fn)(Symbol*)) {
  for (auto& [k, s] : symbols().map) fn(s);
}

Context* newContext(uint64_t count, Context* outer, Frame* frame) {
  auto* c = allocObject<Context>(nullptr, Kind::Context, sizeof(Context) + count * sizeof(Value));
  c->outer = outer;
  c->frame = frame;
  c->count = count;
  for (uint64_t i = 0; i < count; i++) c->vars[i] = U.nil;
  return c;
}

Block* newBlock(Method* code, Context* outer, Value self) {
  auto* b = allocObject<Block>(U.blockClasses[code->numArgs - 1], Kind::Block, sizeof(Block));
  b->code = code;
  b->outer = outer;
  b->self = self;
  return b;
}

std::string className(Class* cls) {
  if (!cls) return "?";
  return std::string(cls->name->view());
}

uint64_t microsSinceStart() {
  using namespace std::chrono;
  uint64_t now = duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
  return now - U.startMicros;
}

}  // namespace som
