// The abstract syntax tree the parser produces and the code generator consumes. Name
// resolution and inlining decisions are annotations filled in by compiler/scopes.cpp.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace som {

struct Scope;
struct Var;

struct Node {
  enum class K { Literal, Variable, Assign, Send, Block, Return };
  K k;
  int line = 0;
  int column = 0;
  explicit Node(K kind) : k(kind) {}
  virtual ~Node() = default;
};
using NodePtr = std::unique_ptr<Node>;

struct LiteralNode : Node {
  enum class L { Integer, Double, String, Symbol, Array };
  L lit;
  std::string text;                         // Integer: decimal digits with optional '-'
  double dbl = 0;
  std::vector<std::unique_ptr<LiteralNode>> elements;  // Array
  explicit LiteralNode(L l) : Node(K::Literal), lit(l) {}
};

// How a variable reference was resolved.
enum class VarKind { Unresolved, Self, Super, Nil, True, False, Local, Field, Global };

struct VariableNode : Node {
  std::string name;
  VarKind kind = VarKind::Unresolved;
  Var* var = nullptr;   // Local
  int fieldIndex = -1;  // Field
  Scope* from = nullptr;
  VariableNode() : Node(K::Variable) {}
};

struct AssignNode : Node {
  std::unique_ptr<VariableNode> target;
  NodePtr value;
  AssignNode() : Node(K::Assign) {}
};

struct BlockNode;

struct SendNode : Node {
  NodePtr receiver;
  std::string selector;
  std::vector<NodePtr> args;
  bool isSuper = false;
  // Set when the send is compiled as inline control flow.
  enum class Inline { None, IfTrue, IfFalse, IfTrueIfFalse, IfFalseIfTrue, IfNil, IfNotNil,
                      IfNilIfNotNil, IfNotNilIfNil, WhileTrue, WhileFalse, And, Or, ToDo,
                      ToByDo, DownToDo } inlineAs = Inline::None;
  SendNode() : Node(K::Send) {}
};

struct ReturnNode : Node {
  NodePtr value;
  ReturnNode() : Node(K::Return) {}
};

struct Body {
  std::vector<std::string> locals;
  std::vector<int> localLines;
  std::vector<NodePtr> statements;  // a ReturnNode can only be last
};

struct BlockNode : Node {
  std::vector<std::string> params;
  Body body;
  Scope* scope = nullptr;
  bool inlineCandidate = false;  // literal block in a position the compiler may inline
  BlockNode() : Node(K::Block) {}
};

struct MethodNode {
  std::string selector;
  std::vector<std::string> params;
  bool isPrimitive = false;
  Body body;
  int line = 0;
  int column = 0;
  int endLine = 0;
};

struct ClassNode {
  std::string name;
  std::string superName;  // empty: Object; "nil": no superclass
  bool hasSuperclass = true;
  std::vector<std::string> instanceFields;
  std::vector<std::unique_ptr<MethodNode>> instanceMethods;
  std::vector<std::string> classFields;
  std::vector<std::unique_ptr<MethodNode>> classMethods;
  int line = 0;
  int column = 0;
};

}  // namespace som
