// libFuzzer target for the front end: arbitrary bytes are parsed as a SOM class file, the
// class is created (fields, metaclass) and every method is compiled to bytecode exactly as
// the VM does when it loads a class (vm/classes.cpp: loadClass/compileClass), but through
// the lower-level functions, because those wrappers turn a CompileError into an exit.
//
// Besides the sanitizers (ASan, UBSan) the target has its own oracle: every compiled
// method, and every block nested in it, goes through a bytecode verifier that checks what
// the interpreter and tier 1 rely on without checking at run time (operands in range,
// jump targets on instruction boundaries, consistent operand-stack depths at merge points,
// maxStack large enough, no falling off the end, context levels and indices that exist).
// A violation prints the method's disassembly and aborts, which libFuzzer reports as a
// crash.
//
// The VM is bootstrapped once (system classes from the bundled core library). Nothing the
// target creates is bound as a global, so inputs do not influence each other, except that
// interned Symbols are immortal.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <algorithm>
#include <vector>

#include "compiler/codegen.h"
#include "compiler/disassembler.h"
#include "compiler/parser.h"
#include "gc/heap.h"
#include "interp/bytecodes.h"
#include "vm/bootstrap.h"
#include "vm/classes.h"
#include "vm/objects.h"
#include "vm/universe.h"

using namespace som;

namespace {

[[noreturn]] void violation(const Method* m, uint32_t pc, const std::string& what) {
  std::fprintf(stderr, "\n*** bytecode verifier: %s\n*** in %s at offset %u\n", what.c_str(),
               methodName(m).c_str(), pc);
  std::fprintf(stderr, "numArgs=%u numLocals=%u maxStack=%u numContextVars=%u flags=%u "
               "codeLength=%u numLiterals=%u numCaches=%u\n",
               m->numArgs, m->numLocals, m->maxStack, m->numContextVars, m->flags, m->codeLength,
               m->numLiterals, m->numCaches);
  // Disassemble only as far as it is safe to.
  for (uint32_t off = 0; off < m->codeLength;) {
    uint8_t op = m->code[off];
    if (op >= kNumBytecodes || off + kBytecodes[op].length > m->codeLength) {
      std::fprintf(stderr, "%5u <invalid %u>\n", off, op);
      break;
    }
    bool litOk = true;
    const BcInfo& info = kBytecodes[op];
    if (info.kind == BcKind::Send || op == BC_PUSH_CONST || op == BC_PUSH_GLOBAL ||
        op == BC_PUSH_BLOCK || op == BC_PUSH_ARRAY_LIT)
      litOk = readU16(m->code + off + 1) < m->numLiterals;
    std::fprintf(stderr, "%s\n", litOk ? describeBytecode(m, off).c_str() : "  <bad literal>");
    off += info.length;
  }
  std::abort();
}

// Arity implied by a selector's text: binary selectors take one argument, keyword selectors
// one per ':', unary selectors none.
uint32_t arityOf(std::string_view sel) {
  if (sel.empty()) return 0;
  switch (sel[0]) {
    case '~': case '&': case '|': case '*': case '/': case '\\': case '+': case '=':
    case '>': case '<': case ',': case '@': case '%': case '-':
      return 1;
    default: break;
  }
  uint32_t n = 0;
  for (char c : sel) n += c == ':';
  return n;
}

const char* intrinsicSelector(uint8_t op) {
  switch (op) {
    case BC_ADD: return "+";
    case BC_SUB: return "-";
    case BC_MUL: return "*";
    case BC_LT: return "<";
    case BC_LE: return "<=";
    case BC_GT: return ">";
    case BC_GE: return ">=";
    case BC_EQ: return "=";
    case BC_AT: return "at:";
    case BC_AT_PUT: return "at:put:";
    default: return nullptr;
  }
}

struct FieldRange {
  uint32_t base;   // word index of field 0
  uint32_t count;  // visible fields, inherited included
};

// `chain` lists, innermost first, the variable counts of the contexts an activation of `m`
// can reach: its own (if it owns one), then those of its lexically enclosing activations.
void verifyMethod(const Method* m, const FieldRange& fields, std::vector<uint32_t> chain,
                  int depth) {
  if (depth > 10000) violation(m, 0, "blocks nested implausibly deep");
  if (m->isPrimitive()) return;
  const bool isBlock = m->isBlock();
  const bool ownsContext = m->flags & kOwnsContext;
  if (ownsContext) chain.insert(chain.begin(), m->numContextVars);
  else if (m->numContextVars != 0) violation(m, 0, "context variables without a context");
  if (isBlock && (m->numArgs < 1 || m->numArgs > 3)) violation(m, 0, "block arity out of range");
  if (!isBlock && (m->flags & kHasNonLocalReturn) && !ownsContext)
    violation(m, 0, "a method with non-local returns from blocks must own a context");
  if (m->codeLength == 0) violation(m, 0, "empty code");
  if (m->signature == nullptr || m->signature->kind != Kind::Symbol) violation(m, 0, "bad signature");

  const uint32_t n = m->codeLength;
  const uint32_t numSlots = uint32_t(m->numArgs) + m->numLocals;
  std::vector<uint8_t> isStart(n + 1, 0);
  // Pass 1: decode, operand checks.
  for (uint32_t pc = 0; pc < n;) {
    const uint8_t* p = m->code + pc;
    uint8_t op = *p;
    if (op >= kNumBytecodes) violation(m, pc, "invalid opcode " + std::to_string(op));
    const BcInfo& info = kBytecodes[op];
    if (pc + info.length > n) violation(m, pc, "instruction runs past the end of the code");
    isStart[pc] = 1;
    auto lit = [&]() -> Value {
      uint16_t i = readU16(p + 1);
      if (i >= m->numLiterals) violation(m, pc, "literal index out of range");
      return m->literals[i];
    };
    switch (op) {
      case BC_PUSH_SLOT:
        if (p[1] >= numSlots) violation(m, pc, "slot out of range");
        break;
      case BC_POP_SLOT:
        if (p[1] == 0 || p[1] >= numSlots) violation(m, pc, "stored slot out of range");
        break;
      case BC_PUSH_CTX:
      case BC_POP_CTX:
        if (p[2] >= chain.size()) violation(m, pc, "context level out of range");
        if (p[1] >= chain[p[2]]) violation(m, pc, "context index out of range");
        break;
      case BC_PUSH_FIELD:
      case BC_POP_FIELD:
        if (p[1] < fields.base || p[1] >= fields.base + fields.count)
          violation(m, pc, "field word index " + std::to_string(p[1]) + " outside [" +
                               std::to_string(fields.base) + ", " +
                               std::to_string(fields.base + fields.count) + ")");
        break;
      case BC_PUSH_CONST: (void)lit(); break;
      case BC_PUSH_GLOBAL:
        if (!isKind(lit(), Kind::Symbol)) violation(m, pc, "global name is not a Symbol");
        break;
      case BC_PUSH_BLOCK: {
        Value v = lit();
        if (!isKind(v, Kind::Method) || !static_cast<Method*>(v.asObject())->isBlock())
          violation(m, pc, "PUSH_BLOCK literal is not a block method");
        if (static_cast<Method*>(v.asObject())->outerMethod != m)
          violation(m, pc, "block's outerMethod is not its enclosing method");
        break;
      }
      case BC_PUSH_ARRAY_LIT:
        if (!isKind(lit(), Kind::Array)) violation(m, pc, "array literal is not an Array");
        break;
      case BC_RETURN_NONLOCAL:
        if (!isBlock) violation(m, pc, "non-local return in a method");
        // The target is the home method's context: the outermost one.
        if (chain.empty() || p[1] != chain.size() - 1)
          violation(m, pc, "non-local return level " + std::to_string(p[1]) +
                               " does not name the home method's context (chain length " +
                               std::to_string(chain.size()) + ")");
        break;
      default:
        break;
    }
    if (info.kind == BcKind::Send) {
      Value s = lit();
      if (!isKind(s, Kind::Symbol)) violation(m, pc, "selector is not a Symbol");
      if (readU16(p + 3) >= m->numCaches) violation(m, pc, "inline cache index out of range");
      std::string_view sel = asString(s)->view();
      if (asString(s)->numArgs != arityOf(sel))
        violation(m, pc, "Symbol arity " + std::to_string(asString(s)->numArgs) +
                             " differs from the selector's text");
      if (const char* want = intrinsicSelector(op); want && sel != want)
        violation(m, pc, "intrinsic with selector #" + std::string(sel));
    }
    pc += info.length;
  }
  isStart[n] = 0;

  // Pass 2: operand-stack depths along every path from the entry.
  std::vector<int> depthAt(n, -1);
  std::vector<uint32_t> work{0};
  depthAt[0] = 0;
  int maxSeen = 0;
  auto flowTo = [&](uint32_t from, int64_t target, int d) {
    if (target < 0 || target >= int64_t(n) || !isStart[target])
      violation(m, from, "jump target " + std::to_string(target) + " is not an instruction");
    if (depthAt[target] == -1) {
      depthAt[target] = d;
      work.push_back(uint32_t(target));
    } else if (depthAt[target] != d) {
      violation(m, from, "stack depth " + std::to_string(d) + " meets depth " +
                             std::to_string(depthAt[target]) + " at " + std::to_string(target));
    }
  };
  while (!work.empty()) {
    uint32_t pc = work.back();
    work.pop_back();
    const uint8_t* p = m->code + pc;
    const BcInfo& info = kBytecodes[*p];
    int d = depthAt[pc];
    int pops = 0, pushes = 0;
    if (info.kind == BcKind::Send) {
      int arity = int(asString(m->literals[readU16(p + 1)])->numArgs);
      pops = arity + 1;
      pushes = 1;
      if (info.stackEffect != kVariableEffect && info.stackEffect != -arity)
        violation(m, pc, "intrinsic's stack effect does not match its selector");
    } else {
      switch (*p) {
        case BC_POP: case BC_POP_SLOT: case BC_POP_CTX: case BC_POP_FIELD:
        case BC_JUMP_IF_TRUE: case BC_JUMP_IF_FALSE: case BC_JUMP_IF_NIL: case BC_JUMP_IF_NOT_NIL:
        case BC_RETURN_LOCAL: case BC_RETURN_NONLOCAL:
          pops = 1;
          break;
        case BC_DUP: pops = 1; pushes = 2; break;
        case BC_JUMP: case BC_JUMP_BACK: case BC_RETURN_SELF: break;
        default: pushes = 1; break;  // the pushes
      }
      if (pushes - pops != info.stackEffect)
        violation(m, pc, "verifier and directive table disagree on the stack effect");
    }
    if (d < pops) violation(m, pc, "operand stack underflow (depth " + std::to_string(d) + ")");
    int after = d - pops + pushes;
    maxSeen = std::max(maxSeen, std::max(d, after));
    uint32_t next = pc + info.length;
    switch (info.kind) {
      case BcKind::Return:
        break;
      case BcKind::Jump:
        flowTo(pc, int64_t(next) + readU16(p + 1), after);
        break;
      case BcKind::LoopBack:
        flowTo(pc, int64_t(next) - readU16(p + 1), after);
        break;
      case BcKind::Branch:
        flowTo(pc, int64_t(next) + readU16(p + 1), after);
        if (next >= n) violation(m, pc, "falls off the end of the code");
        flowTo(pc, next, after);
        break;
      default:
        if (next >= n) violation(m, pc, "falls off the end of the code");
        flowTo(pc, next, after);
        break;
    }
  }
  if (maxSeen > int(m->maxStack))
    violation(m, 0, "operand stack reaches " + std::to_string(maxSeen) + " but maxStack is " +
                        std::to_string(m->maxStack));

  // Line table: (offset, line) pairs with ascending offsets inside the code.
  if (m->lineTableLength % 2) violation(m, 0, "odd line table length");
  for (uint32_t i = 0; i < m->lineTableLength; i += 2) {
    if (m->lineTable[i] > n) violation(m, 0, "line table offset past the end");
    if (i > 0 && m->lineTable[i] < m->lineTable[i - 2]) violation(m, 0, "line table not ascending");
  }
  // Trivial-method recognition must only describe what the bytecode does.
  if (m->trivialKind == 1 || m->trivialKind == 2) {
    if (m->trivialOperand < fields.base || m->trivialOperand >= fields.base + fields.count)
      violation(m, 0, "trivial accessor's field out of range");
  }

  for (uint32_t i = 0; i < m->numLiterals; i++) {
    Value v = m->literals[i];
    if (isKind(v, Kind::Method)) {
      auto* b = static_cast<const Method*>(v.asObject());
      if (!b->isBlock()) violation(m, 0, "a non-block method among the literals");
      verifyMethod(b, fields, chain, depth + 1);
    }
  }
}

void checkFieldRefs(const Node* n, const Method* m);

// The statements of a body whose code is emitted: a block literal or a variable whose value
// is not used (any statement of a method but a return, a block's statements but the last)
// generates nothing.
void checkFieldRefsInBody(const Body& b, const Method* m, bool methodBody) {
  for (size_t i = 0; i < b.statements.size(); i++) {
    const Node* st = b.statements[i].get();
    bool valueUsed = st->k == Node::K::Return || (!methodBody && i + 1 == b.statements.size());
    if (!valueUsed && (st->k == Node::K::Block || st->k == Node::K::Variable)) continue;
    checkFieldRefs(st, m);
  }
}

// After compilation the AST carries each field reference's (untruncated) word index: where
// code is emitted for it, it must fit the one-byte PUSH_FIELD/POP_FIELD operand, or
// compilation should have failed.
void checkFieldRefs(const Node* n, const Method* m) {
  if (!n) return;
  switch (n->k) {
    case Node::K::Literal: return;
    case Node::K::Variable: {
      auto* v = static_cast<const VariableNode*>(n);
      if (v->kind == VarKind::Field && (v->fieldIndex < 0 || v->fieldIndex > 255))
        violation(m, 0, "field '" + v->name + "' has word index " + std::to_string(v->fieldIndex) +
                            ", which does not fit the one-byte field operand");
      return;
    }
    case Node::K::Assign: {
      auto* a = static_cast<const AssignNode*>(n);
      checkFieldRefs(a->target.get(), m);
      checkFieldRefs(a->value.get(), m);
      return;
    }
    case Node::K::Return: checkFieldRefs(static_cast<const ReturnNode*>(n)->value.get(), m); return;
    case Node::K::Block:
      checkFieldRefsInBody(static_cast<const BlockNode*>(n)->body, m, false);
      return;
    case Node::K::Send: {
      auto* s = static_cast<const SendNode*>(n);
      checkFieldRefs(s->receiver.get(), m);
      for (auto& a : s->args) checkFieldRefs(a.get(), m);
      return;
    }
  }
}

std::vector<std::string> namesOf(Array* a) {
  std::vector<std::string> out;
  if (!a) return out;
  for (uint64_t i = 0; i < a->length; i++) out.emplace_back(asString(a->elements[i])->view());
  return out;
}

// The superclass the VM would use, restricted to classes that are already bound (the
// system classes): loading other classes from the class path could exit the process.
Class* superclassFor(const ClassNode& node) {
  if (!node.hasSuperclass) return nullptr;
  std::string name = node.superName.empty() ? "Object" : node.superName;
  Value g = intern(name)->global;
  if (!g.isNull() && isKind(g, Kind::Class)) return static_cast<Class*>(g.asObject());
  return U.objectClass;
}

// Parses and compiles one class file; answers false if it does not parse.
bool compileSource(std::string_view source) {
  std::unique_ptr<ClassNode> node;
  try {
    Parser parser(source);
    node = parser.parseClass();
  } catch (const CompileError&) {
    return false;
  }
  Class* cls;
  try {
    cls = createClass(*node, superclassFor(*node));
  } catch (const CompileError&) {
    return true;  // duplicate fields
  }
  Class* meta = cls->cls;
  String* file = newString("<fuzz>");
  std::vector<std::string> instanceFields = namesOf(cls->instanceFieldNames);
  std::vector<std::string> classFields = namesOf(meta->instanceFieldNames);
  FieldInfo inst{&instanceFields, int(kFirstFieldWord)};
  FieldInfo classSide{&classFields, int(kFirstFieldWord + kClassFieldWordOffset)};
  FieldRange instRange{uint32_t(kFirstFieldWord), uint32_t(instanceFields.size())};
  FieldRange classRange{uint32_t(kFirstFieldWord + kClassFieldWordOffset),
                        uint32_t(classFields.size())};
  auto compileSide = [&](std::vector<std::unique_ptr<MethodNode>>& methods, Class* holder,
                         const FieldInfo& fields, const FieldRange& range) {
    for (auto& mn : methods) {
      Method* m;
      try {
        m = mn->isPrimitive ? makePrimitiveMethod(*mn, holder, file)
                            : compileMethod(*mn, holder, fields, file);
      } catch (const CompileError&) {
        continue;  // the VM reports it and exits; later methods still get exercised here
      }
      if (m->numArgs != mn->params.size() + 1) violation(m, 0, "numArgs differs from the pattern");
      verifyMethod(m, range, {}, 0);
      checkFieldRefsInBody(mn->body, m, true);
      addMethod(holder, m);
      (void)disassembleMethod(m);
    }
  };
  compileSide(node->instanceMethods, cls, inst, instRange);
  compileSide(node->classMethods, meta, classSide, classRange);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  heap::initialize(0);
  U.classPath = {TWOSOM_CORE_LIB_DIR};
  U.nativeStackLimit = nullptr;  // the native stack check is for activations, not the compiler
  bootstrap();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view source(reinterpret_cast<const char*>(data), size);
  if (compileSource(source)) return 0;
  // Not a class file: use the input as a method body (instance and class side, with
  // arguments, locals and fields in scope), so that mutations of statements reach the
  // compiler without having to keep a class header intact.
  std::string wrapped = "Fuzz = ( | a b c |\nm: x with: y = ( | t u |\n";
  wrapped.append(source);
  wrapped += "\n)\n----\n| k |\nn: x = (\n";
  wrapped.append(source);
  wrapped += "\n) )\n";
  compileSource(wrapped);
  return 0;
}
