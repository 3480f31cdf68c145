// Shared set-up for the unit tests: one heap and one bootstrapped VM per process, plus
// helpers to compile classes from source strings, disassemble methods and send messages.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/parser.h"
#include "gc/heap.h"
#include "interp/bytecodes.h"
#include "interp/interpreter.h"
#include "vm/bootstrap.h"
#include "vm/classes.h"
#include "vm/objects.h"
#include "vm/universe.h"

namespace twosom_test {

// heap::initialize must run exactly once per process (it chains the collector's root hook).
inline void ensureHeap() {
  static const bool done = [] {
    som::heap::initialize(0);
    return true;
  }();
  (void)done;
}

// Bootstraps the system classes from the core library once per process. The tests run on
// the main thread, whose stack is small, so the native stack check is disabled (a null
// limit never triggers); no test recurses deeply.
inline void ensureVM() {
  static const bool done = [] {
    ensureHeap();
    som::U.classPath = {TWOSOM_CORE_LIB_DIR};
    som::U.nativeStackLimit = nullptr;
    som::bootstrap();
    return true;
  }();
  (void)done;
}

class VmTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ensureVM(); }
};

// Parses, creates and compiles a class from source. The superclass is taken from the
// source (`Foo = Bar (...)`, which must name an already bound global class), Object when
// omitted. The class is bound as a global so the collector keeps it alive.
// Parse errors and field errors throw CompileError; an error inside a method body is
// fatal (compileClass reports it and exits), so only compile methods known to be valid.
inline som::Class* defineClass(std::string_view source) {
  som::Parser parser(source);
  std::unique_ptr<som::ClassNode> node = parser.parseClass();
  som::Class* super = nullptr;
  if (node->hasSuperclass) {
    std::string superName = node->superName.empty() ? "Object" : node->superName;
    som::Value g = som::intern(superName)->global;
    if (g.isNull() || !som::isKind(g, som::Kind::Class)) {
      ADD_FAILURE() << "superclass " << superName << " is not a bound class";
      return nullptr;
    }
    super = static_cast<som::Class*>(g.asObject());
  }
  som::Class* cls = som::createClass(*node, super);
  som::intern(node->name)->global = som::Value::fromObject(cls);
  som::compileClass(*node, cls, "<unit-test>");
  return cls;
}

inline som::Method* methodOf(som::Class* cls, std::string_view selector) {
  return som::lookup(cls, som::intern(selector));
}

// One decoded instruction: its opcode name and, for sends, the selector.
struct Insn {
  std::string name;
  std::string selector;  // sends only
  int offset = 0;
};

inline std::vector<Insn> disassemble(const som::Method* m) {
  std::vector<Insn> out;
  uint32_t pc = 0;
  while (pc < m->codeLength) {
    uint8_t op = m->code[pc];
    if (op >= som::kNumBytecodes) {
      ADD_FAILURE() << "invalid opcode " << int(op) << " at " << pc;
      break;
    }
    const som::BcInfo& info = som::kBytecodes[op];
    Insn insn;
    insn.name = info.name;
    insn.offset = int(pc);
    if (info.kind == som::BcKind::Send) {
      uint16_t lit = som::readU16(m->code + pc + 1);
      if (lit < m->numLiterals) insn.selector = std::string(som::asString(m->literals[lit])->view());
    }
    out.push_back(std::move(insn));
    pc += info.length;
  }
  EXPECT_EQ(pc, m->codeLength) << "the last instruction runs past the end of the code";
  return out;
}

inline std::vector<std::string> opcodeNames(const som::Method* m) {
  std::vector<std::string> names;
  for (auto& i : disassemble(m)) names.push_back(i.name);
  return names;
}

inline int countOp(const som::Method* m, std::string_view name) {
  int n = 0;
  for (auto& i : disassemble(m))
    if (i.name == name) n++;
  return n;
}

// Number of send-kind instructions (any opcode) whose selector is `selector`.
inline int countSendsOf(const som::Method* m, std::string_view selector) {
  int n = 0;
  for (auto& i : disassemble(m))
    if (i.selector == selector) n++;
  return n;
}

// Block methods held as literals of `m` (directly nested blocks, in literal order).
inline std::vector<som::Method*> blocksOf(const som::Method* m) {
  std::vector<som::Method*> out;
  for (uint32_t i = 0; i < m->numLiterals; i++) {
    som::Value v = m->literals[i];
    if (som::isKind(v, som::Kind::Method) && static_cast<som::Method*>(v.asObject())->isBlock())
      out.push_back(static_cast<som::Method*>(v.asObject()));
  }
  return out;
}

inline std::string listing(const som::Method* m) {
  std::string s;
  for (auto& i : disassemble(m)) {
    s += std::to_string(i.offset) + " " + i.name;
    if (!i.selector.empty()) s += " #" + i.selector;
    s += "\n";
  }
  return s;
}

// Sends `selector` with `args` to `receiver` through the interpreter, with the bottom of
// the VM stack as the argument area (as runProgram does).
inline som::Value sendMessage(som::Value receiver, std::string_view selector,
                              std::initializer_list<som::Value> args = {}) {
  som::Value* top = som::U.stackBase;
  som::U.stackHighWater = top + 1 + args.size() + 8;
  top[0] = receiver;
  size_t i = 1;
  for (som::Value a : args) top[i++] = a;
  return som::send(som::intern(selector), top, nullptr);
}

inline som::Value newInstanceOf(som::Class* cls) {
  return som::Value::fromObject(som::newInstance(cls));
}

}  // namespace twosom_test
