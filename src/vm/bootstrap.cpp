// Bootstrap: builds the system classes from the core library on the class path, creates
// nil, true, false and the system object, and starts the program via System>>initialize:.
#include "vm/bootstrap.h"

#include "compiler/parser.h"

#include <sys/mman.h>

#include <map>

#include "interp/interpreter.h"
#include "vm/classes.h"
#include "vm/numbers.h"
#include "vm/universe.h"

namespace som {
namespace {

struct SystemClass {
  const char* name;
  Class** slot;
};

// In dependency order: a superclass comes before its subclasses.
const std::vector<SystemClass>& systemClasses() {
  static const std::vector<SystemClass> list = {
      {"Object", &U.objectClass},       {"Class", &U.classClass},
      {"Metaclass", &U.metaclassClass}, {"Nil", &U.nilClass},
      {"Array", &U.arrayClass},         {"Method", &U.methodClass},
      {"Primitive", &U.primitiveClass}, {"String", &U.stringClass},
      {"Symbol", &U.symbolClass},       {"Integer", &U.integerClass},
      {"Double", &U.doubleClass},       {"Block", &U.blockClass},
      {"Block1", &U.blockClasses[0]},   {"Block2", &U.blockClasses[1]},
      {"Block3", &U.blockClasses[2]},   {"Boolean", &U.booleanClass},
      {"True", &U.trueClass},           {"False", &U.falseClass},
      {"System", &U.systemClass},
  };
  return list;
}

void allocateVmStack() {
  const size_t words = size_t(16) << 20;  // 128 MiB reserved, touched only as used
  void* mem = mmap(nullptr, words * sizeof(Value), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED) fatalError("cannot reserve the VM stack");
  U.stackBase = static_cast<Value*>(mem);
  U.stackLimit = U.stackBase + words - 1024;
  U.stackHighWater = U.stackBase;
  heap::addDynamicRoot(U.stackBase, reinterpret_cast<void* const*>(&U.stackHighWater));
}

}  // namespace

void bootstrap() {
  allocateVmStack();
  initializeNumbers();

  // Parse every system class first: their class-side field counts size the class objects.
  std::map<std::string, std::unique_ptr<ClassNode>> nodes;
  std::map<std::string, std::string> paths;
  for (auto& sc : systemClasses()) {
    std::string path = findClassFile(sc.name);
    if (path.empty())
      fatalError(std::string("error: core library class '") + sc.name +
                 "' not found (looked for " + sc.name + ".som in the class path: " +
                 describeClassPath() + ")");
    auto node = parseClassFile(path);
    if (!node) fatalError("error: cannot read " + path);
    if (node->name != sc.name)
      fatalError(path + ": error: the file defines class '" + node->name + "' but must define '" +
                 sc.name + "'");
    paths[sc.name] = path;
    nodes[sc.name] = std::move(node);
  }
  auto superNameOf = [&](const std::string& name) -> std::string {
    ClassNode& n = *nodes[name];
    if (name == "Object" || !n.hasSuperclass) return "";
    return n.superName.empty() ? "Object" : n.superName;
  };
  std::map<std::string, uint64_t> classSideFields;
  std::map<std::string, ClassShell> shells;
  for (auto& sc : systemClasses()) {
    std::string super = superNameOf(sc.name);
    uint64_t inherited = super.empty() ? 0 : classSideFields[super];
    if (!super.empty() && !nodes.count(super))
      fatalError(paths[sc.name] + ": error: system class '" + sc.name +
                 "' must have a system class as superclass, not '" + super + "'");
    classSideFields[sc.name] = inherited + nodes[sc.name]->classFields.size();
  }

  // Allocation of nil needs no class; everything after it needs the well-known classes.
  auto* nilObject = static_cast<Instance*>(heap::allocate(sizeof(Instance)));
  U.nil = Value::fromObject(nilObject);
  for (auto& sc : systemClasses()) {
    shells[sc.name] = allocateClass(classSideFields[sc.name]);
    *sc.slot = shells[sc.name].cls;
  }
  for (auto& [name, shell] : shells) shell.meta->cls = U.metaclassClass;
  U.arrayClass->instanceKind = Kind::Array;
  U.stringClass->instanceKind = Kind::String;
  U.symbolClass->instanceKind = Kind::Symbol;
  U.integerClass->instanceKind = Kind::LargeInt;
  U.doubleClass->instanceKind = Kind::Double;
  U.methodClass->instanceKind = Kind::Method;
  U.primitiveClass->instanceKind = Kind::Method;
  for (int i = 0; i < 3; i++) U.blockClasses[i]->instanceKind = Kind::Block;
  U.blockClass->instanceKind = Kind::Block;
  nilObject->cls = U.nilClass;
  nilObject->kind = Kind::Instance;
  nilObject->hash = nextIdentityHash();

  for (auto& sc : systemClasses()) {
    std::string super = superNameOf(sc.name);
    try {
      initializeClass(shells[sc.name], *nodes[sc.name], super.empty() ? nullptr : shells[super].cls);
    } catch (const CompileError& e) {
      fatalError(paths[sc.name] + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) +
                 ": error: " + e.what());
    }
    shells[sc.name].cls->name->global = Value::fromObject(shells[sc.name].cls);
  }

  U.trueObject = Value::fromObject(newInstance(U.trueClass));
  U.falseObject = Value::fromObject(newInstance(U.falseClass));
  U.systemObject = Value::fromObject(newInstance(U.systemClass));
  intern("nil")->global = U.nil;
  intern("true")->global = U.trueObject;
  intern("false")->global = U.falseObject;
  intern("system")->global = U.systemObject;

  U.symDoesNotUnderstand = intern("doesNotUnderstand:arguments:");
  U.symUnknownGlobal = intern("unknownGlobal:");
  U.symEscapedBlock = intern("escapedBlock:");
  U.symInitialize = intern("initialize:");
  U.symMustBeBoolean = intern("mustBeBoolean");
  U.symValue = intern("value");

  for (auto& sc : systemClasses()) compileClass(*nodes[sc.name], shells[sc.name].cls, paths[sc.name]);
}

int runProgram(const std::vector<std::string>& args) {
  Array* argv = newArray(args.size());
  for (size_t i = 0; i < args.size(); i++) argv->elements[i] = Value::fromObject(newString(args[i]));
  Value* top = U.stackBase;
  U.stackHighWater = top + 8;
  top[0] = U.systemObject;
  top[1] = Value::fromObject(argv);
  Value r = send(U.symInitialize, top, nullptr);
  if (r.isNull()) {
    // A non-local return or restart whose target is gone: nothing left to resume.
    U.unwindTarget = nullptr;
  }
  return 0;
}

}  // namespace som
