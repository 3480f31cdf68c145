#include "vm/classes.h"

#include <fstream>
#include <sstream>

#include "compiler/codegen.h"
#include "compiler/parser.h"
#include "interp/interpreter.h"
#include "primitives/registry.h"
#include "vm/universe.h"

namespace som {

// --- method tables -----------------------------------------------------------------------

static MethodTable* newMethodTable(uint64_t capacity) {
  auto* t = allocObject<MethodTable>(nullptr, Kind::Instance,
                                     sizeof(MethodTable) + capacity * sizeof(MethodTable::Entry));
  t->capacity = capacity;
  t->count = 0;
  return t;
}

static size_t slotFor(Symbol* s, uint64_t capacity) {
  return (reinterpret_cast<uintptr_t>(s) >> 4) & (capacity - 1);
}

static void tableInsert(MethodTable* t, Symbol* sel, Method* m) {
  size_t i = slotFor(sel, t->capacity);
  while (t->entries[i].selector && t->entries[i].selector != sel) i = (i + 1) & (t->capacity - 1);
  if (!t->entries[i].selector) t->count++;
  t->entries[i] = {sel, m};
}

Method* lookupOwn(Class* cls, Symbol* sel) {
  MethodTable* t = cls->methods;
  if (!t) return nullptr;
  size_t i = slotFor(sel, t->capacity);
  for (;;) {
    Symbol* s = t->entries[i].selector;
    if (s == sel) return t->entries[i].method;
    if (!s) return nullptr;
    i = (i + 1) & (t->capacity - 1);
  }
}

void addMethod(Class* cls, Method* m) {
  MethodTable* t = cls->methods;
  if (!t || (t->count + 1) * 2 > t->capacity) {
    MethodTable* bigger = newMethodTable(t ? t->capacity * 2 : 16);
    if (t)
      for (uint64_t i = 0; i < t->capacity; i++)
        if (t->entries[i].selector) tableInsert(bigger, t->entries[i].selector, t->entries[i].method);
    cls->methods = bigger;
    t = bigger;
  }
  bool replacing = lookupOwn(cls, m->signature) != nullptr;
  tableInsert(t, m->signature, m);
  Array* old = cls->methodsArray;
  uint64_t n = old ? old->length : 0;
  if (replacing) {
    for (uint64_t i = 0; i < n; i++)
      if (static_cast<Method*>(old->elements[i].asObject())->signature == m->signature)
        old->elements[i] = Value::fromObject(m);
  } else {
    Array* grown = newArray(n + 1);
    for (uint64_t i = 0; i < n; i++) grown->elements[i] = old->elements[i];
    grown->elements[n] = Value::fromObject(m);
    cls->methodsArray = grown;
  }
  invalidateLookupCache();
}

// --- lookup with a global cache -------------------------------------------------------------

namespace {
struct CacheEntry {
  Class* cls;
  Symbol* sel;
  Method* method;
};
constexpr size_t kLookupCacheSize = 4096;
CacheEntry* lookupCache() {
  static CacheEntry* c = static_cast<CacheEntry*>(
      heap::allocateImmortal(sizeof(CacheEntry) * kLookupCacheSize));
  return c;
}
}  // namespace

bool lookupCacheUsed = false;  // lets class loading skip clearing an empty cache

void invalidateLookupCache() {
  if (!lookupCacheUsed) return;
  lookupCacheUsed = false;
  CacheEntry* c = lookupCache();
  for (size_t i = 0; i < kLookupCacheSize; i++) c[i] = {nullptr, nullptr, nullptr};
}

Method* lookup(Class* cls, Symbol* sel) {
  CacheEntry* cache = lookupCache();
  size_t h = ((reinterpret_cast<uintptr_t>(cls) >> 3) ^ (reinterpret_cast<uintptr_t>(sel) >> 4)) &
             (kLookupCacheSize - 1);
  CacheEntry& e = cache[h];
  if (e.cls == cls && e.sel == sel) return e.method;
  Method* m = nullptr;
  for (Class* c = cls; c; c = c->superclass) {
    if ((m = lookupOwn(c, sel))) break;
  }
  if (m) {
    e = {cls, sel, m};
    lookupCacheUsed = true;
  }
  return m;
}

// --- class objects -------------------------------------------------------------------------

Class* newClassObject(Class* metaclass, uint64_t numSlots) {
  auto* c = allocObject<Class>(metaclass, Kind::Class, sizeof(Class) + numSlots * sizeof(Value));
  c->numSlots = numSlots;
  for (uint64_t i = 0; i < numSlots; i++) c->slots[i] = U.nil;
  c->methodsArray = nullptr;
  return c;
}

static Array* fieldNames(Array* inherited, const std::vector<std::string>& own) {
  GcVector<Value> names;
  if (inherited)
    for (uint64_t i = 0; i < inherited->length; i++) names.push_back(inherited->elements[i]);
  for (auto& n : own) names.push_back(Value::fromObject(intern(n)));
  return newArrayOf(names);
}

ClassShell allocateClass(uint64_t numClassSideFields) {
  Class* meta = newClassObject(U.metaclassClass, 0);
  Class* cls = newClassObject(meta, numClassSideFields);
  return {cls, meta};
}

static void rejectDuplicateFields(const std::vector<std::string>& own, Array* inherited,
                                  const ClassNode& node, const char* side) {
  for (size_t i = 0; i < own.size(); i++) {
    bool dup = false;
    for (size_t j = 0; j < i; j++) dup |= own[j] == own[i];
    if (inherited)
      for (uint64_t j = 0; j < inherited->length; j++)
        dup |= asString(inherited->elements[j])->view() == own[i];
    if (dup)
      throw CompileError(std::string("duplicate ") + side + " field '" + own[i] + "' in class '" +
                             node.name + "' (fields must be unique, including inherited ones)",
                         node.line, node.column);
  }
}

void initializeClass(ClassShell shell, ClassNode& node, Class* superclass) {
  Class* meta = shell.meta;
  Class* cls = shell.cls;
  Class* superMeta = superclass ? superclass->cls : U.classClass;
  rejectDuplicateFields(node.instanceFields, superclass ? superclass->instanceFieldNames : nullptr, node,
                        "instance");
  rejectDuplicateFields(node.classFields, superMeta ? superMeta->instanceFieldNames : nullptr, node,
                        "class-side");
  meta->cls = U.metaclassClass;
  meta->isMetaclass = 1;
  meta->superclass = superMeta;
  meta->name = intern(node.name + " class");
  meta->instanceFieldNames = fieldNames(superMeta ? superMeta->instanceFieldNames : nullptr, node.classFields);
  meta->numInstanceFields = uint32_t(meta->instanceFieldNames->length);
  meta->instanceKind = Kind::Class;
  meta->methodsArray = newArray(0);

  cls->superclass = superclass;
  cls->name = intern(node.name);
  cls->instanceFieldNames = fieldNames(superclass ? superclass->instanceFieldNames : nullptr,
                                       node.instanceFields);
  cls->numInstanceFields = uint32_t(cls->instanceFieldNames->length);
  if (cls->instanceKind == Kind::Instance && superclass) cls->instanceKind = superclass->instanceKind;
  cls->methodsArray = newArray(0);
}

Class* createClass(ClassNode& node, Class* superclass) {
  Class* superMeta = superclass ? superclass->cls : U.classClass;
  ClassShell shell = allocateClass(superMeta->numInstanceFields + node.classFields.size());
  initializeClass(shell, node, superclass);
  return shell.cls;
}

static std::vector<std::string> namesOf(Array* a) {
  std::vector<std::string> out;
  for (uint64_t i = 0; i < a->length; i++) out.emplace_back(asString(a->elements[i])->view());
  return out;
}

[[noreturn]] static void compileFailure(const std::string& path, const CompileError& e) {
  fatalError(path + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": error: " +
             e.what());
}

void compileClass(ClassNode& node, Class* cls, const std::string& path) {
  uint64_t start = microsSinceStart();
  String* file = newString(path);
  Class* meta = cls->cls;
  std::vector<std::string> instanceFields = namesOf(cls->instanceFieldNames);
  std::vector<std::string> classFields = namesOf(meta->instanceFieldNames);
  FieldInfo inst{&instanceFields, int(kFirstFieldWord)};
  FieldInfo classSide{&classFields, int(kFirstFieldWord + kClassFieldWordOffset)};
  auto compileSide = [&](std::vector<std::unique_ptr<MethodNode>>& methods, Class* holder,
                         const FieldInfo& fields, bool classSide) {
    for (auto& mn : methods) {
      Method* m;
      try {
        m = mn->isPrimitive ? makePrimitiveMethod(*mn, holder, file)
                            : compileMethod(*mn, holder, fields, file);
      } catch (const CompileError& e) {
        compileFailure(path, e);
      }
      bindNative(m, node.name, classSide);
      addMethod(holder, m);
    }
  };
  compileSide(node.instanceMethods, cls, inst, false);
  compileSide(node.classMethods, meta, classSide, true);
  U.bytecodeCompileMicros += microsSinceStart() - start;
}

std::unique_ptr<ClassNode> parseClassFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  std::stringstream ss;
  ss << in.rdbuf();
  std::string source = ss.str();
  try {
    Parser p(source);
    return p.parseClass();
  } catch (const CompileError& e) {
    compileFailure(path, e);
  }
}

std::string findClassFile(const std::string& name) {
  for (auto& dir : U.classPath) {
    std::string path = (dir.empty() ? "." : dir) + "/" + name + ".som";
    std::ifstream f(path);
    if (f.good()) return path;
  }
  return "";
}

std::string describeClassPath() {
  std::string s;
  for (auto& d : U.classPath) s += (s.empty() ? "" : ":") + d;
  return s;
}

Class* loadClass(Symbol* name) {
  std::string n(name->view());
  std::string path = findClassFile(n);
  if (path.empty()) return nullptr;
  auto node = parseClassFile(path);
  if (!node) return nullptr;
  if (node->name != n)
    fatalError(path + ":" + std::to_string(node->line) + ":" + std::to_string(node->column) +
               ": error: the file defines class '" + node->name + "' but must define '" + n + "'");
  Class* superclass = nullptr;
  if (node->hasSuperclass) {
    std::string superName = node->superName.empty() ? "Object" : node->superName;
    Symbol* superSym = intern(superName);
    Value g = superSym->global;
    if (!g.isNull() && isKind(g, Kind::Class)) {
      superclass = static_cast<Class*>(g.asObject());
    } else {
      superclass = loadClass(superSym);
      if (!superclass)
        fatalError(path + ":" + std::to_string(node->line) + ":" + std::to_string(node->column) +
                   ": error: superclass '" + superName + "' of class '" + n +
                   "' not found (class path: " + describeClassPath() + ")");
    }
  }
  Class* cls;
  try {
    cls = createClass(*node, superclass);
  } catch (const CompileError& e) {
    compileFailure(path, e);
  }
  name->global = Value::fromObject(cls);
  compileClass(*node, cls, path);
  return cls;
}

}  // namespace som
