#include "compiler/codegen.h"

#include <cstring>
#include <functional>

#include "compiler/parser.h"
#include "interp/bytecodes.h"
#include "interp/trivial.h"
#include "vm/numbers.h"
#include "vm/universe.h"

namespace som {
namespace {

using I = SendNode::Inline;

class Emitter {
 public:
  Emitter(Scope* real, Class* holder, String* file, Method* outer, const std::string& signature)
      : real_(real), holder_(holder), file_(file), outer_(outer), signature_(signature) {}

  Method* finish(int numArgs, int line);

  void emitBody(Body& body, Scope* scope, bool isMethod);
  void emitExpr(Node* n, Scope* s, bool needValue);

 private:
  void op(Bc bc) { code_.push_back(bc); adjust(kBytecodes[bc].stackEffect); }
  void op8(Bc bc, int a) {
    checkByte(bc, a);
    op(bc);
    code_.push_back(uint8_t(a));
  }
  void op88(Bc bc, int a, int b) {
    checkByte(bc, a);
    checkByte(bc, b);
    op(bc);
    code_.push_back(uint8_t(a));
    code_.push_back(uint8_t(b));
  }
  // One-byte operands bound what a method can address; beyond them is a compile error.
  void checkByte(Bc bc, int value) {
    if (value <= 0xFF) return;
    const char* what = bc == BC_PUSH_FIELD || bc == BC_POP_FIELD ? "too many fields (at most 253 instance or 246 class-side fields, inherited ones included)"
                       : bc == BC_RETURN_NONLOCAL ? "blocks nested too deeply for a non-local return"
                       : bc == BC_PUSH_CTX || bc == BC_POP_CTX ? "too many captured variables or blocks nested too deeply"
                                                               : "too many arguments and locals";
    throw CompileError(what, line_, 1);
  }
  void op16(Bc bc, int a) { op(bc); code_.push_back(uint8_t(a)); code_.push_back(uint8_t(a >> 8)); }
  void adjust(int effect) {
    if (effect == kVariableEffect) return;
    depth_ += effect;
    if (depth_ > maxDepth_) maxDepth_ = depth_;
  }
  size_t jumpForward(Bc bc) {
    op16(bc, 0);
    return code_.size();
  }
  void patch(size_t afterJump) {
    size_t dist = code_.size() - afterJump;
    if (dist > 0xFFFF) throw CompileError("method too large (jump distance)", line_, 1);
    code_[afterJump - 2] = uint8_t(dist);
    code_[afterJump - 1] = uint8_t(dist >> 8);
  }
  void jumpBack(size_t target) {
    size_t dist = code_.size() + 3 - target;
    if (dist > 0xFFFF) throw CompileError("method too large (loop too long)", line_, 1);
    op16(BC_JUMP_BACK, int(dist));
  }
  int literal(Value v);
  int symbolLiteral(const std::string& name);
  void markLine(int line);

  void emitVariable(VariableNode* v, Scope* s);
  void emitStore(VariableNode* v, Scope* s);
  void emitVarLoad(Var* var, Scope* s);
  void emitVarStore(Var* var, Scope* s);
  void emitSend(SendNode* n, Scope* s);
  void emitReturn(ReturnNode* r, Scope* s);
  void emitLiteral(LiteralNode* l);
  void emitBlock(BlockNode* b, Scope* s);
  void emitInlined(SendNode* n, Scope* s);
  void emitInlinedBlock(Node* blockNode, Scope* s);
  void emitTwoArms(SendNode* n, Scope* s, Bc toSecond, Node* block, const std::function<void()>& second);
  void emitLoop(SendNode* n, Scope* s);
  void emitCountedLoop(SendNode* n, Scope* s);
  Value literalValue(LiteralNode* l);

  Scope* real_;
  Class* holder_;
  String* file_;
  Method* outer_;
  std::string signature_;
  std::vector<uint8_t> code_;
  GcVector<Value> literals_;
  std::vector<uint32_t> lines_;
  int depth_ = 0;
  int maxDepth_ = 0;
  int numCaches_ = 0;
  int line_ = 0;
  Method* self_ = nullptr;

  friend Method* som::compileMethod(MethodNode&, Class*, const FieldInfo&, String*);
};

int Emitter::literal(Value v) {
  literals_.push_back(v);
  if (literals_.size() > 0xFFFF) throw CompileError("too many literals in one method", line_, 1);
  return int(literals_.size() - 1);
}

int Emitter::symbolLiteral(const std::string& name) {
  Value sym = Value::fromObject(intern(name));
  for (size_t i = 0; i < literals_.size(); i++)
    if (literals_[i] == sym) return int(i);
  return literal(sym);
}

void Emitter::markLine(int line) {
  if (line <= 0) return;
  line_ = line;
  if (!lines_.empty() && lines_[lines_.size() - 1] == uint32_t(line)) return;
  lines_.push_back(uint32_t(code_.size()));
  lines_.push_back(uint32_t(line));
}

Value Emitter::literalValue(LiteralNode* l) {
  switch (l->lit) {
    case LiteralNode::L::Integer: return integerFromText(l->text);
    case LiteralNode::L::Double: return newDouble(l->dbl);
    case LiteralNode::L::String: return Value::fromObject(newString(l->text));
    case LiteralNode::L::Symbol: return Value::fromObject(intern(l->text));
    case LiteralNode::L::Array: {
      GcVector<Value> elems;
      for (auto& e : l->elements) elems.push_back(literalValue(e.get()));
      return Value::fromObject(newArrayOf(elems));
    }
  }
  return U.nil;
}

void Emitter::emitLiteral(LiteralNode* l) {
  if (l->lit == LiteralNode::L::Integer && (l->text == "0" || l->text == "1")) {
    op(l->text == "0" ? BC_PUSH_0 : BC_PUSH_1);
    return;
  }
  if (l->lit == LiteralNode::L::Array) {
    op16(BC_PUSH_ARRAY_LIT, literal(literalValue(l)));
    return;
  }
  op16(BC_PUSH_CONST, literal(literalValue(l)));
}

void Emitter::emitVarLoad(Var* var, Scope* s) {
  Scope* from = s->real();
  if (var->captured) {
    int level = ScopeAnalysis::contextLevel(from, var->owner->real());
    op88(BC_PUSH_CTX, var->ctxIndex, level);
  } else {
    op8(BC_PUSH_SLOT, var->slot);
  }
}

void Emitter::emitVarStore(Var* var, Scope* s) {
  Scope* from = s->real();
  if (var->captured) {
    int level = ScopeAnalysis::contextLevel(from, var->owner->real());
    op88(BC_POP_CTX, var->ctxIndex, level);
  } else {
    op8(BC_POP_SLOT, var->slot);
  }
}

void Emitter::emitVariable(VariableNode* v, Scope* s) {
  switch (v->kind) {
    case VarKind::Self:
    case VarKind::Super: op(BC_PUSH_SELF); return;
    case VarKind::Nil: op(BC_PUSH_NIL); return;
    case VarKind::True: op(BC_PUSH_TRUE); return;
    case VarKind::False: op(BC_PUSH_FALSE); return;
    case VarKind::Local: emitVarLoad(v->var, s); return;
    case VarKind::Field: op8(BC_PUSH_FIELD, v->fieldIndex); return;
    case VarKind::Global: op16(BC_PUSH_GLOBAL, symbolLiteral(v->name)); return;
    case VarKind::Unresolved: break;
  }
  throw CompileError("unresolved variable '" + v->name + "'", v->line, v->column);
}

void Emitter::emitStore(VariableNode* v, Scope* s) {
  if (v->kind == VarKind::Local) emitVarStore(v->var, s);
  else op8(BC_POP_FIELD, v->fieldIndex);
}

static Bc intrinsicFor(const std::string& sel) {
  if (sel == "+") return BC_ADD;
  if (sel == "-") return BC_SUB;
  if (sel == "*") return BC_MUL;
  if (sel == "<") return BC_LT;
  if (sel == "<=") return BC_LE;
  if (sel == ">") return BC_GT;
  if (sel == ">=") return BC_GE;
  if (sel == "=") return BC_EQ;
  if (sel == "at:") return BC_AT;
  if (sel == "at:put:") return BC_AT_PUT;
  return BC_SEND;
}

void Emitter::emitSend(SendNode* n, Scope* s) {
  if (n->inlineAs != I::None) {
    emitInlined(n, s);
    return;
  }
  emitExpr(n->receiver.get(), s, true);
  for (auto& a : n->args) emitExpr(a.get(), s, true);
  markLine(n->line);
  int lit = symbolLiteral(n->selector);
  int ic = numCaches_++;
  if (ic > 0xFFFF) throw CompileError("too many sends in one method", n->line, n->column);
  Bc bc = n->isSuper ? BC_SUPER_SEND : intrinsicFor(n->selector);
  op(bc);
  code_.push_back(uint8_t(lit));
  code_.push_back(uint8_t(lit >> 8));
  code_.push_back(uint8_t(ic));
  code_.push_back(uint8_t(ic >> 8));
  if (bc == BC_SEND || bc == BC_SUPER_SEND) adjust(-int(n->args.size()));
}

void Emitter::emitReturn(ReturnNode* r, Scope* s) {
  Scope* from = s->real();
  markLine(r->line);
  if (from->isMethod()) {
    Node* v = r->value.get();
    if (v->k == Node::K::Variable && static_cast<VariableNode*>(v)->kind == VarKind::Self) {
      op(BC_RETURN_SELF);
      return;
    }
    emitExpr(v, s, true);
    op(BC_RETURN_LOCAL);
    return;
  }
  emitExpr(r->value.get(), s, true);
  Scope* home = from;
  while (!home->isMethod()) home = home->parent->real();
  op8(BC_RETURN_NONLOCAL, ScopeAnalysis::contextLevel(from, home));
}

void Emitter::emitBlock(BlockNode* b, Scope* s) {
  Scope* bs = b->scope;
  Emitter inner(bs, holder_, file_, nullptr, signature_);
  inner.line_ = b->line;
  inner.markLine(b->line);
  inner.emitBody(b->body, bs, false);
  Method* m = inner.finish(int(b->params.size()) + 1, b->line);
  m->flags |= kIsBlock;
  inner.self_ = m;
  (void)s;
  op16(BC_PUSH_BLOCK, literal(Value::fromObject(m)));
}

// The body of an inlined block, leaving its value on the stack.
void Emitter::emitInlinedBlock(Node* blockNode, Scope* s) {
  auto* b = static_cast<BlockNode*>(blockNode);
  (void)s;
  Scope* bs = b->scope;
  for (auto& v : bs->vars) {
    if (v->isParam) continue;
    op(BC_PUSH_NIL);  // each evaluation of a block starts with fresh (nil) locals
    emitVarStore(v.get(), bs);
  }
  auto& sts = b->body.statements;
  if (sts.empty()) {
    op(BC_PUSH_NIL);
    return;
  }
  for (size_t i = 0; i < sts.size(); i++) {
    bool last = i + 1 == sts.size();
    Node* st = sts[i].get();
    if (st->k == Node::K::Return) {
      int before = depth_;
      emitReturn(static_cast<ReturnNode*>(st), bs);
      depth_ = before;
      op(BC_PUSH_NIL);  // unreachable; keeps the stack depth of the merge point
      return;
    }
    markLine(st->line);
    emitExpr(st, bs, last);
  }
}

void Emitter::emitInlined(SendNode* n, Scope* s) {
  switch (n->inlineAs) {
    case I::IfTrue:
    case I::IfFalse:
      // A one-armed conditional answers nil when its block does not run.
      emitTwoArms(n, s, n->inlineAs == I::IfTrue ? BC_JUMP_IF_FALSE : BC_JUMP_IF_TRUE, n->args[0].get(),
                  [&] { op(BC_PUSH_NIL); });
      return;
    case I::IfTrueIfFalse:
    case I::IfFalseIfTrue:
      emitTwoArms(n, s, n->inlineAs == I::IfTrueIfFalse ? BC_JUMP_IF_FALSE : BC_JUMP_IF_TRUE,
                  n->args[0].get(), [&] { emitInlinedBlock(n->args[1].get(), s); });
      return;
    case I::IfNilIfNotNil:
    case I::IfNotNilIfNil:
      emitTwoArms(n, s, n->inlineAs == I::IfNilIfNotNil ? BC_JUMP_IF_NOT_NIL : BC_JUMP_IF_NIL,
                  n->args[0].get(), [&] { emitInlinedBlock(n->args[1].get(), s); });
      return;
    case I::And:
    case I::Or:
      emitTwoArms(n, s, n->inlineAs == I::And ? BC_JUMP_IF_FALSE : BC_JUMP_IF_TRUE, n->args[0].get(),
                  [&] { op(n->inlineAs == I::And ? BC_PUSH_FALSE : BC_PUSH_TRUE); });
      return;
    case I::IfNil:
    case I::IfNotNil: {
      // The value of `x ifNil: [b]` is x when x is not nil; of `x ifNotNil: [b]`, nil when x is nil.
      emitExpr(n->receiver.get(), s, true);
      markLine(n->line);
      op(BC_DUP);
      size_t end = jumpForward(n->inlineAs == I::IfNil ? BC_JUMP_IF_NOT_NIL : BC_JUMP_IF_NIL);
      op(BC_POP);
      emitInlinedBlock(n->args[0].get(), s);
      patch(end);
      return;
    }
    case I::WhileTrue:
    case I::WhileFalse:
      emitLoop(n, s);
      return;
    case I::ToDo:
    case I::ToByDo:
    case I::DownToDo:
      emitCountedLoop(n, s);
      return;
    case I::None:
      break;
  }
}

// The receiver, then `block` inlined unless `toSecond` jumps over it to `second`; both
// arms leave one value.
void Emitter::emitTwoArms(SendNode* n, Scope* s, Bc toSecond, Node* block,
                          const std::function<void()>& second) {
  emitExpr(n->receiver.get(), s, true);
  markLine(n->line);
  size_t other = jumpForward(toSecond);
  int d = depth_;
  emitInlinedBlock(block, s);
  size_t end = jumpForward(BC_JUMP);
  patch(other);
  depth_ = d;
  second();
  patch(end);
}

void Emitter::emitLoop(SendNode* n, Scope* s) {
  size_t head = code_.size();
  markLine(n->line);
  emitInlinedBlock(n->receiver.get(), s);
  size_t exit = jumpForward(n->inlineAs == I::WhileTrue ? BC_JUMP_IF_FALSE : BC_JUMP_IF_TRUE);
  emitInlinedBlock(n->args[0].get(), s);
  op(BC_POP);
  jumpBack(head);
  patch(exit);
  op(BC_PUSH_NIL);
}

// `a to: b do: [:i | ...]` as the library defines it: i := a. [i <= b] whileTrue:
// [body. i := i + 1]; the limit is evaluated once and the value is the receiver.
void Emitter::emitCountedLoop(SendNode* n, Scope* s) {
  auto* block = static_cast<BlockNode*>(n->args.back().get());
  Var* i = block->scope->vars[0].get();
  Scope* real = s->real();
  auto t = std::make_unique<Var>();
  t->owner = real;
  t->slot = real->numSlots++;
  Var* lim = t.get();
  real->temps.push_back(std::move(t));
  Var* step = nullptr;
  if (n->inlineAs == I::ToByDo) {
    auto st = std::make_unique<Var>();
    st->owner = real;
    st->slot = real->numSlots++;
    step = st.get();
    real->temps.push_back(std::move(st));
  }

  emitExpr(n->receiver.get(), s, true);
  op(BC_DUP);
  emitVarStore(i, block->scope);
  emitExpr(n->args[0].get(), s, true);
  emitVarStore(lim, s);
  if (step) {
    emitExpr(n->args[1].get(), s, true);
    emitVarStore(step, s);
  }
  markLine(n->line);
  size_t head = code_.size();
  emitVarLoad(i, block->scope);
  emitVarLoad(lim, s);
  Bc cmp = n->inlineAs == I::DownToDo ? BC_GE : BC_LE;
  op16(cmp, symbolLiteral(n->inlineAs == I::DownToDo ? ">=" : "<="));
  code_.push_back(uint8_t(numCaches_));
  code_.push_back(uint8_t(numCaches_ >> 8));
  numCaches_++;
  size_t exit = jumpForward(BC_JUMP_IF_FALSE);
  emitInlinedBlock(block, s);
  op(BC_POP);
  emitVarLoad(i, block->scope);
  if (step) emitVarLoad(step, s);
  else op(BC_PUSH_1);
  Bc arith = n->inlineAs == I::DownToDo ? BC_SUB : BC_ADD;
  op16(arith, symbolLiteral(n->inlineAs == I::DownToDo ? "-" : "+"));
  code_.push_back(uint8_t(numCaches_));
  code_.push_back(uint8_t(numCaches_ >> 8));
  numCaches_++;
  emitVarStore(i, block->scope);
  jumpBack(head);
  patch(exit);
}

void Emitter::emitExpr(Node* n, Scope* s, bool needValue) {
  switch (n->k) {
    case Node::K::Literal:
      if (!needValue) return;
      emitLiteral(static_cast<LiteralNode*>(n));
      return;
    case Node::K::Variable: {
      auto* v = static_cast<VariableNode*>(n);
      // Reading an unbound global has an effect (unknownGlobal:), so globals are read even
      // when the value is unused.
      if (!needValue && v->kind != VarKind::Global) return;
      emitVariable(v, s);
      if (!needValue) op(BC_POP);
      return;
    }
    case Node::K::Assign: {
      auto* a = static_cast<AssignNode*>(n);
      emitExpr(a->value.get(), s, true);
      if (needValue) op(BC_DUP);
      emitStore(a->target.get(), s);
      return;
    }
    case Node::K::Block:
      if (!needValue) return;
      emitBlock(static_cast<BlockNode*>(n), s);
      return;
    case Node::K::Send:
      emitSend(static_cast<SendNode*>(n), s);
      if (!needValue) op(BC_POP);
      return;
    case Node::K::Return:
      emitReturn(static_cast<ReturnNode*>(n), s);
      return;
  }
}

// The body of a method (answers self unless it returns) or of a real block (answers
// its last expression, nil when empty).
void Emitter::emitBody(Body& body, Scope* scope, bool isMethod) {
  auto& sts = body.statements;
  for (size_t i = 0; i < sts.size(); i++) {
    Node* st = sts[i].get();
    bool last = i + 1 == sts.size();
    markLine(st->line);
    if (st->k == Node::K::Return) {
      emitReturn(static_cast<ReturnNode*>(st), scope);
      return;
    }
    if (last && !isMethod) {
      emitExpr(st, scope, true);
      op(BC_RETURN_LOCAL);
      return;
    }
    emitExpr(st, scope, false);
  }
  if (isMethod) {
    op(BC_RETURN_SELF);
  } else {
    op(BC_PUSH_NIL);
    op(BC_RETURN_LOCAL);
  }
}

Method* Emitter::finish(int numArgs, int line) {
  Method* m = allocObject<Method>(U.methodClass, Kind::Method, sizeof(Method));
  m->signature = intern(signature_);
  m->holder = holder_;
  m->sourceFile = file_;
  m->numArgs = uint16_t(numArgs);
  if (real_->numSlots > 255) throw CompileError("too many arguments and locals", line, 1);
  m->numLocals = uint16_t(real_->numSlots - numArgs);
  if (maxDepth_ + 2 > 0xFFFF) throw CompileError("expression too large (operand stack deeper than 65533)", line, 1);
  m->maxStack = uint16_t(maxDepth_ + 2);
  m->numContextVars = uint16_t(real_->numContextVars);
  if (real_->ownsContext) m->flags |= kOwnsContext;
  if (real_->isMethod() && real_->hasNonLocalReturnFromInside) m->flags |= kHasNonLocalReturn;

  m->codeLength = uint32_t(code_.size());
  m->code = static_cast<uint8_t*>(heap::allocateAtomic(code_.size() + 1));
  std::memcpy(m->code, code_.data(), code_.size());

  m->numLiterals = uint32_t(literals_.size());
  m->literals = static_cast<Value*>(heap::allocate(sizeof(Value) * (literals_.size() + 1)));
  for (size_t i = 0; i < literals_.size(); i++) m->literals[i] = literals_[i];

  m->numCaches = uint32_t(numCaches_);
  m->caches = static_cast<InlineCache*>(heap::allocate(sizeof(InlineCache) * (numCaches_ + 1)));

  std::vector<uint8_t> captured;
  for (auto& v : real_->vars) {
    if (v->isParam && v->captured) {
      captured.push_back(uint8_t(v->slot));
      captured.push_back(uint8_t(v->ctxIndex));
    }
  }
  m->numCapturedArgs = uint16_t(captured.size() / 2);
  if (!captured.empty()) {
    m->capturedArgs = static_cast<uint8_t*>(heap::allocateAtomic(captured.size()));
    std::memcpy(m->capturedArgs, captured.data(), captured.size());
  }
  m->lineTableLength = uint32_t(lines_.size());
  m->lineTable = static_cast<uint32_t*>(heap::allocateAtomic(sizeof(uint32_t) * (lines_.size() + 1)));
  std::memcpy(m->lineTable, lines_.data(), sizeof(uint32_t) * lines_.size());
  // Blocks nested in this method know their enclosing method (for backtraces and holder).
  for (auto& lit : literals_) {
    if (isKind(lit, Kind::Method)) static_cast<Method*>(lit.asObject())->outerMethod = m;
  }
  return m;
}

}  // namespace

Value integerFromText(const std::string& text) { return parseInteger(text); }

Method* compileMethod(MethodNode& method, Class* holder, const FieldInfo& fields, String* file) {
  ScopeAnalysis analysis(method, fields);
  Scope* root = analysis.methodScope();
  Emitter e(root, holder, file, nullptr, method.selector);
  e.line_ = method.line;
  e.markLine(method.line);
  e.emitBody(method.body, root, true);
  Method* m = e.finish(int(method.params.size()) + 1, method.line);
  recogniseTrivial(m);
  return m;
}

Method* makePrimitiveMethod(const MethodNode& method, Class* holder, String* file) {
  Method* m = allocObject<Method>(U.primitiveClass, Kind::Method, sizeof(Method));
  m->signature = intern(method.selector);
  m->holder = holder;
  m->sourceFile = file;
  m->numArgs = uint16_t(method.params.size() + 1);
  m->flags = kIsPrimitive;
  return m;
}

}  // namespace som
