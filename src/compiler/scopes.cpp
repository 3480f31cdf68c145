#include "compiler/scopes.h"

#include "compiler/parser.h"

namespace som {

bool Scope::isInlined() const {
  return block != nullptr && block->inlineCandidate && inliningSend != nullptr &&
         inliningSend->inlineAs != SendNode::Inline::None;
}

Scope* Scope::real() {
  Scope* s = this;
  while (s->isInlined()) s = s->parent;
  return s;
}

static BlockNode* literalBlock(const NodePtr& n, size_t params) {
  if (!n || n->k != Node::K::Block) return nullptr;
  auto* b = static_cast<BlockNode*>(n.get());
  return b->params.size() == params ? b : nullptr;
}

static bool isNumberLiteral(const NodePtr& n) {
  if (!n || n->k != Node::K::Literal) return false;
  auto* l = static_cast<LiteralNode*>(n.get());
  return (l->lit == LiteralNode::L::Integer || l->lit == LiteralNode::L::Double) &&
         l->text != "0" && l->text != "-0";
}

ScopeAnalysis::ScopeAnalysis(MethodNode& method, const FieldInfo& fields)
    : method_(method), fields_(fields) {
  markInliningInBody(method.body);
  root_ = std::make_unique<Scope>();
  for (size_t i = 0; i < method.params.size(); i++) {
    auto v = std::make_unique<Var>();
    v->name = method.params[i];
    v->owner = root_.get();
    v->isParam = true;
    v->paramIndex = int(i) + 1;
    root_->vars.push_back(std::move(v));
  }
  resolveBody(method.body, root_.get());
  propagateUninlining();
  layout(root_.get());
}

// Decide which sends are candidates for inlining, from their syntax alone.
void ScopeAnalysis::markInlining(Node* n) {
  if (!n) return;
  switch (n->k) {
    case Node::K::Literal:
    case Node::K::Variable:
      return;
    case Node::K::Assign:
      markInlining(static_cast<AssignNode*>(n)->value.get());
      return;
    case Node::K::Return:
      markInlining(static_cast<ReturnNode*>(n)->value.get());
      return;
    case Node::K::Block:
      markInliningInBody(static_cast<BlockNode*>(n)->body);
      return;
    case Node::K::Send: {
      auto* s = static_cast<SendNode*>(n);
      markInlining(s->receiver.get());
      for (auto& a : s->args) markInlining(a.get());
      if (s->isSuper) return;
      using I = SendNode::Inline;
      const std::string& sel = s->selector;
      std::vector<BlockNode*> blocks;
      auto want = [&](std::initializer_list<BlockNode*> bs, I how) {
        for (auto* b : bs)
          if (!b) return;
        s->inlineAs = how;
        for (auto* b : bs) b->inlineCandidate = true;
      };
      if (sel == "ifTrue:") want({literalBlock(s->args[0], 0)}, I::IfTrue);
      else if (sel == "ifFalse:") want({literalBlock(s->args[0], 0)}, I::IfFalse);
      else if (sel == "ifTrue:ifFalse:")
        want({literalBlock(s->args[0], 0), literalBlock(s->args[1], 0)}, I::IfTrueIfFalse);
      else if (sel == "ifFalse:ifTrue:")
        want({literalBlock(s->args[0], 0), literalBlock(s->args[1], 0)}, I::IfFalseIfTrue);
      else if (sel == "ifNil:") want({literalBlock(s->args[0], 0)}, I::IfNil);
      else if (sel == "ifNotNil:") want({literalBlock(s->args[0], 0)}, I::IfNotNil);
      else if (sel == "ifNil:ifNotNil:")
        want({literalBlock(s->args[0], 0), literalBlock(s->args[1], 0)}, I::IfNilIfNotNil);
      else if (sel == "ifNotNil:ifNil:")
        want({literalBlock(s->args[0], 0), literalBlock(s->args[1], 0)}, I::IfNotNilIfNil);
      else if (sel == "whileTrue:")
        want({literalBlock(s->receiver, 0), literalBlock(s->args[0], 0)}, I::WhileTrue);
      else if (sel == "whileFalse:")
        want({literalBlock(s->receiver, 0), literalBlock(s->args[0], 0)}, I::WhileFalse);
      else if (sel == "and:" || sel == "&&") want({literalBlock(s->args[0], 0)}, I::And);
      else if (sel == "or:" || sel == "||") want({literalBlock(s->args[0], 0)}, I::Or);
      else if (sel == "to:do:") want({literalBlock(s->args[1], 1)}, I::ToDo);
      else if (sel == "downTo:do:") want({literalBlock(s->args[1], 1)}, I::DownToDo);
      else if (sel == "to:by:do:" && isNumberLiteral(s->args[1]))
        want({literalBlock(s->args[2], 1)}, I::ToByDo);
      return;
    }
  }
}

void ScopeAnalysis::markInliningInBody(Body& b) {
  for (auto& st : b.statements) markInlining(st.get());
}

Scope* ScopeAnalysis::newScope(Scope* parent, BlockNode* block) {
  scopes_.push_back(std::make_unique<Scope>());
  Scope* s = scopes_.back().get();
  s->parent = parent;
  s->block = block;
  block->scope = s;
  parent->children.push_back(s);
  for (size_t i = 0; i < block->params.size(); i++) {
    auto v = std::make_unique<Var>();
    v->name = block->params[i];
    v->owner = s;
    v->isParam = true;
    v->paramIndex = int(i) + 1;
    s->vars.push_back(std::move(v));
  }
  return s;
}

static Var* findVar(Scope* s, const std::string& name) {
  for (; s; s = s->parent)
    for (auto& v : s->vars)
      if (v->name == name) return v.get();
  return nullptr;
}

void ScopeAnalysis::resolveBody(Body& b, Scope* s) {
  for (size_t i = 0; i < b.locals.size(); i++) {
    for (auto& v : s->vars)
      if (v->name == b.locals[i] && !v->isParam)
        throw CompileError("duplicate local variable '" + b.locals[i] + "'",
                           b.localLines.empty() ? method_.line : b.localLines[i], 1);
    auto v = std::make_unique<Var>();
    v->name = b.locals[i];
    v->owner = s;
    s->vars.push_back(std::move(v));
  }
  for (auto& st : b.statements) resolve(st.get(), s);
}

void ScopeAnalysis::resolve(Node* n, Scope* s) {
  switch (n->k) {
    case Node::K::Literal:
      return;
    case Node::K::Variable: {
      auto* v = static_cast<VariableNode*>(n);
      v->from = s;
      const std::string& name = v->name;
      if (name == "self") { v->kind = VarKind::Self; return; }
      if (name == "super") { v->kind = VarKind::Super; return; }
      if (name == "nil") { v->kind = VarKind::Nil; return; }
      if (name == "true") { v->kind = VarKind::True; return; }
      if (name == "false") { v->kind = VarKind::False; return; }
      if (Var* var = findVar(s, name)) {
        v->kind = VarKind::Local;
        v->var = var;
        references_.push_back(v);
        return;
      }
      const auto& fieldNames = *fields_.names;
      for (int i = int(fieldNames.size()) - 1; i >= 0; i--) {
        if (fieldNames[i] == name) {
          v->kind = VarKind::Field;
          v->fieldIndex = fields_.wordBase + i;
          return;
        }
      }
      v->kind = VarKind::Global;
      return;
    }
    case Node::K::Assign: {
      auto* a = static_cast<AssignNode*>(n);
      resolve(a->value.get(), s);
      resolve(a->target.get(), s);
      switch (a->target->kind) {
        case VarKind::Local:
          a->target->var->assigned = true;
          return;
        case VarKind::Field:
          return;
        case VarKind::Global:
          throw CompileError("cannot assign to '" + a->target->name +
                                 "': it is neither a local variable, an argument nor a field",
                             a->target->line, a->target->column);
        default:
          throw CompileError("cannot assign to the pseudo-variable '" + a->target->name + "'",
                             a->target->line, a->target->column);
      }
    }
    case Node::K::Return:
      returns_.push_back({static_cast<ReturnNode*>(n), s});
      resolve(static_cast<ReturnNode*>(n)->value.get(), s);
      return;
    case Node::K::Block: {
      auto* b = static_cast<BlockNode*>(n);
      Scope* inner = newScope(s, b);
      resolveBody(b->body, inner);
      return;
    }
    case Node::K::Send: {
      auto* send = static_cast<SendNode*>(n);
      resolve(send->receiver.get(), s);
      for (auto& a : send->args) resolve(a.get(), s);
      // Tie inlined blocks to their send so that un-inlining can revert the whole send.
      auto tie = [&](NodePtr& p) {
        if (p && p->k == Node::K::Block) {
          auto* b = static_cast<BlockNode*>(p.get());
          if (b->inlineCandidate && b->scope) b->scope->inliningSend = send;
        }
      };
      if (send->inlineAs != SendNode::Inline::None) {
        tie(send->receiver);
        for (auto& a : send->args) tie(a);
      }
      return;
    }
  }
}

// Un-inline every inlined block whose variables are captured, or whose loop parameter is
// assigned (a library to:do: hands each iteration a fresh copy), until nothing changes.
void ScopeAnalysis::propagateUninlining() {
  for (auto& sc : scopes_) {
    Scope* s = sc.get();
    if (!s->isInlined()) continue;
    auto how = s->inliningSend->inlineAs;
    using I = SendNode::Inline;
    if ((how == I::ToDo || how == I::ToByDo || how == I::DownToDo) && !s->vars.empty() &&
        s->vars[0]->assigned)
      s->inliningSend->inlineAs = I::None;
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& sc : scopes_)
      for (auto& v : sc->vars) v->captured = false;
    for (auto& r : root_->vars) r->captured = false;
    for (VariableNode* ref : references_) {
      if (ref->from->real() != ref->var->owner->real()) ref->var->captured = true;
    }
    for (auto& sc : scopes_) {
      Scope* s = sc.get();
      if (!s->isInlined()) continue;
      for (auto& v : s->vars) {
        if (v->captured) {
          s->inliningSend->inlineAs = SendNode::Inline::None;
          changed = true;
          break;
        }
      }
    }
  }
  for (auto& [ret, scope] : returns_) {
    if (!scope->real()->isMethod()) root_->hasNonLocalReturnFromInside = true;
  }
}

Var* ScopeAnalysis::newTemp(Scope* real) {
  auto v = std::make_unique<Var>();
  v->owner = real;
  v->slot = real->numSlots++;
  real->temps.push_back(std::move(v));
  return real->temps.back().get();
}

// Assign frame slots and context indices. Slots: 0 = self, then parameters, then the
// locals of this scope and of every scope inlined into it.
void ScopeAnalysis::layout(Scope* real) {
  int slot = 1;
  int ctx = 0;
  for (auto& v : real->vars)
    if (v->isParam) v->slot = slot++;
  std::vector<Scope*> hosted{real};
  for (size_t i = 0; i < hosted.size(); i++)
    for (Scope* c : hosted[i]->children)
      if (c->isInlined()) hosted.push_back(c);
  for (Scope* h : hosted) {
    for (auto& v : h->vars) {
      if (v->captured) {
        v->ctxIndex = ctx++;
      } else if (!v->isParam || h != real) {
        v->slot = slot++;
      }
    }
  }
  real->numSlots = slot;
  real->numContextVars = ctx;
  real->ownsContext = ctx > 0 || (real->isMethod() && real->hasNonLocalReturnFromInside);
  for (Scope* h : hosted)
    for (Scope* c : h->children)
      if (!c->isInlined()) layout(c);
}

int ScopeAnalysis::contextLevel(Scope* from, Scope* to) {
  int level = 0;
  for (Scope* s = from; s != to; s = s->parent->real())
    if (s->ownsContext) level++;
  return level;
}

}  // namespace som
