// Name resolution, capture analysis and inlining decisions for one method.
//
// Every method and every block literal gets a Scope. A block the compiler inlines
// (ifTrue: [...], whileTrue: [...], to:do: [:i | ...] ...) keeps its Scope for naming,
// but its variables live in the frame of its nearest non-inlined ancestor, its "real"
// scope. A variable is *captured* when it is referenced from a real scope other than its
// owner's; captured variables live in the owner's heap Context, all others in frame slots.
// An inlined block whose own variables are captured is un-inlined (the send becomes a
// real send), so each evaluation still gets fresh variables — the semantics of the
// library method that the inlining stands for.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "compiler/ast.h"

namespace som {

struct Var {
  std::string name;
  Scope* owner = nullptr;
  bool isParam = false;
  int paramIndex = 0;  // 1-based argument position (0 is self)
  bool captured = false;
  bool assigned = false;
  int slot = -1;       // frame slot when not captured
  int ctxIndex = -1;   // context index when captured
};

struct Scope {
  Scope* parent = nullptr;
  BlockNode* block = nullptr;       // nullptr for the method scope
  SendNode* inliningSend = nullptr; // the send that would inline this block
  std::vector<std::unique_ptr<Var>> vars;
  std::vector<std::unique_ptr<Var>> temps;  // hidden loop counters/limits
  std::vector<Scope*> children;

  // Filled in for real scopes by the layout step.
  bool ownsContext = false;
  int numSlots = 0;         // self + params + locals (incl. inlined blocks' and temps)
  int numContextVars = 0;
  bool hasNonLocalReturnFromInside = false;  // method scope: some inner real block returns ^

  bool isInlined() const;
  Scope* real();
  bool isMethod() const { return block == nullptr; }
};

struct FieldInfo {
  const std::vector<std::string>* names;  // visible fields, inherited first
  int wordBase;                           // word index of field 0 within the object
};

// Resolves every name in `method`, decides inlining, and lays out frames and contexts.
// Throws CompileError for undeclared assignments and similar errors.
class ScopeAnalysis {
 public:
  ScopeAnalysis(MethodNode& method, const FieldInfo& fields);
  Scope* methodScope() { return root_.get(); }
  // Context-chain hops from real scope `from` to real scope `to` (an ancestor).
  static int contextLevel(Scope* from, Scope* to);
  Var* newTemp(Scope* real);

 private:
  void markInlining(Node* n);
  void markInliningInBody(Body& b);
  void resolve(Node* n, Scope* s);
  void resolveBody(Body& b, Scope* s);
  Scope* newScope(Scope* parent, BlockNode* block);
  void propagateUninlining();
  void layout(Scope* s);

  MethodNode& method_;
  FieldInfo fields_;
  std::unique_ptr<Scope> root_;
  std::vector<std::unique_ptr<Scope>> scopes_;
  std::vector<VariableNode*> references_;
  std::vector<std::pair<ReturnNode*, Scope*>> returns_;
};

}  // namespace som
