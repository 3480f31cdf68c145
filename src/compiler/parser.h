// Recursive-descent parser for SOM class files (grammar: SOM-FACTS.md section 1.4).
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "compiler/ast.h"
#include "compiler/lexer.h"

namespace som {

// A compile-time error with its source position; `what()` is the bare message.
struct CompileError : std::runtime_error {
  int line;
  int column;
  CompileError(const std::string& msg, int l, int c) : std::runtime_error(msg), line(l), column(c) {}
};

class Parser {
 public:
  explicit Parser(std::string_view source);
  std::unique_ptr<ClassNode> parseClass();

 private:
  void advance();
  bool accept(Tok kind);
  void expect(Tok kind, const char* what);
  [[noreturn]] void fail(const std::string& expected);
  std::string describe(const Token& t) const;

  void parseClassBody(ClassNode& cls);
  std::unique_ptr<MethodNode> parseMethod();
  void parsePattern(MethodNode& m);
  void parseBody(Body& body, Tok terminator);
  void parseLocals(Body& body);
  NodePtr parseStatementExpr();
  NodePtr parseExpression();
  NodePtr parseEvaluation();
  NodePtr parsePrimary();
  NodePtr parseUnaryChain(NodePtr receiver);
  NodePtr parseBinaryOperand();
  NodePtr parseBinaryMessages(NodePtr receiver);
  NodePtr parseKeywordMessage(NodePtr receiver);
  std::unique_ptr<BlockNode> parseBlock();
  std::unique_ptr<LiteralNode> parseLiteral();
  std::unique_ptr<LiteralNode> parseNumber(bool negative);
  std::unique_ptr<LiteralNode> parseLiteralArray();
  bool atBinaryOperator() const;

  // Nesting of expressions, blocks and literal arrays; bounded so that no source can
  // exhaust the native stack of the parser or of the passes that walk the tree.
  struct Nesting {
    Parser& p;
    explicit Nesting(Parser& parser);
    ~Nesting() { p.depth_--; }
  };
  static constexpr int kMaxNesting = 1000;
  int depth_ = 0;

  Lexer lexer_;
  Token tok_;
  Token peek_;
  bool hasPeek_ = false;
  const Token& lookahead();
};

}  // namespace som
