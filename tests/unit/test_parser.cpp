// The parser: class structure, method patterns, precedence, super sends, literals,
// blocks, and error positions and messages.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "compiler/ast.h"
#include "compiler/parser.h"

using namespace som;

namespace {

std::unique_ptr<ClassNode> parse(std::string_view src) {
  Parser p(src);
  return p.parseClass();
}

// Parses `Test = ( m = ( <body> ) )` and answers the method.
struct Parsed {
  std::unique_ptr<ClassNode> cls;
  MethodNode* method;
};
Parsed parseBody(const std::string& body) {
  auto cls = parse("Test = ( m = ( " + body + " ) )");
  MethodNode* m = cls->instanceMethods.at(0).get();
  return {std::move(cls), m};
}

// The first statement of a method body (unwrapping a return).
Node* firstExpr(const Parsed& p) {
  Node* n = p.method->body.statements.at(0).get();
  if (n->k == Node::K::Return) n = static_cast<ReturnNode*>(n)->value.get();
  return n;
}

SendNode* asSend(Node* n) {
  EXPECT_EQ(n->k, Node::K::Send);
  return n->k == Node::K::Send ? static_cast<SendNode*>(n) : nullptr;
}

std::string varName(Node* n) {
  if (n->k != Node::K::Variable) return "<not a variable>";
  return static_cast<VariableNode*>(n)->name;
}

LiteralNode* asLit(Node* n) {
  EXPECT_EQ(n->k, Node::K::Literal);
  return static_cast<LiteralNode*>(n);
}

// Renders an expression tree as a fully parenthesised string, e.g. "((a foo) + (b bar))".
std::string show(Node* n) {
  switch (n->k) {
    case Node::K::Variable: return static_cast<VariableNode*>(n)->name;
    case Node::K::Literal: {
      auto* l = static_cast<LiteralNode*>(n);
      switch (l->lit) {
        case LiteralNode::L::Integer:
        case LiteralNode::L::Double: return l->text;
        case LiteralNode::L::String: return "'" + l->text + "'";
        case LiteralNode::L::Symbol: return "#" + l->text;
        case LiteralNode::L::Array: {
          std::string s = "#(";
          for (size_t i = 0; i < l->elements.size(); i++) s += (i ? " " : "") + show(l->elements[i].get());
          return s + ")";
        }
      }
      return "?";
    }
    case Node::K::Assign: {
      auto* a = static_cast<AssignNode*>(n);
      return "(" + a->target->name + " := " + show(a->value.get()) + ")";
    }
    case Node::K::Return: return "^" + show(static_cast<ReturnNode*>(n)->value.get());
    case Node::K::Block: return "[block]";
    case Node::K::Send: {
      auto* s = static_cast<SendNode*>(n);
      std::string out = "(" + show(s->receiver.get());
      if (s->args.empty()) return out + " " + s->selector + ")";
      if (s->selector.back() != ':') return out + " " + s->selector + " " + show(s->args[0].get()) + ")";
      size_t start = 0;
      for (auto& a : s->args) {
        size_t colon = s->selector.find(':', start);
        out += " " + s->selector.substr(start, colon - start + 1) + " " + show(a.get());
        start = colon + 1;
      }
      return out + ")";
    }
  }
  return "?";
}

std::string showBody(const std::string& body) {
  auto p = parseBody(body);
  return show(p.method->body.statements.at(0).get());
}

// Expects a CompileError; answers it for inspection.
CompileError parseError(std::string_view src) {
  try {
    parse(src);
  } catch (const CompileError& e) {
    return e;
  }
  ADD_FAILURE() << "no CompileError for: " << src;
  return CompileError("<none>", 0, 0);
}

}  // namespace

// --- class structure ----------------------------------------------------------------------

TEST(Parser, MinimalClass) {
  auto c = parse("Foo = ()");
  EXPECT_EQ(c->name, "Foo");
  EXPECT_EQ(c->superName, "");
  EXPECT_TRUE(c->hasSuperclass);
  EXPECT_TRUE(c->instanceFields.empty());
  EXPECT_TRUE(c->instanceMethods.empty());
  EXPECT_TRUE(c->classFields.empty());
  EXPECT_TRUE(c->classMethods.empty());
  EXPECT_EQ(c->line, 1);
  EXPECT_EQ(c->column, 1);
}

TEST(Parser, SuperclassAndFields) {
  auto c = parse("Point3D = Point ( | z w | z = ( ^ z ) )");
  EXPECT_EQ(c->superName, "Point");
  EXPECT_TRUE(c->hasSuperclass);
  EXPECT_EQ(c->instanceFields, (std::vector<std::string>{"z", "w"}));
  ASSERT_EQ(c->instanceMethods.size(), 1u);
  EXPECT_EQ(c->instanceMethods[0]->selector, "z");
}

TEST(Parser, NilSuperclass) {
  auto c = parse("Root = nil ( )");
  EXPECT_FALSE(c->hasSuperclass);
}

TEST(Parser, ClassSideAfterSeparator) {
  auto c = parse(
      "Foo = (\n"
      "  | a |\n"
      "  a = ( ^ a )\n"
      "  b = ( ^ 2 )\n"
      "  ----\n"
      "  | count cache |\n"
      "  new = ( ^ super new )\n"
      ")");
  EXPECT_EQ(c->instanceFields, (std::vector<std::string>{"a"}));
  ASSERT_EQ(c->instanceMethods.size(), 2u);
  EXPECT_EQ(c->instanceMethods[0]->selector, "a");
  EXPECT_EQ(c->instanceMethods[1]->selector, "b");
  EXPECT_EQ(c->classFields, (std::vector<std::string>{"count", "cache"}));
  ASSERT_EQ(c->classMethods.size(), 1u);
  EXPECT_EQ(c->classMethods[0]->selector, "new");
  EXPECT_EQ(c->classMethods[0]->line, 7);
}

TEST(Parser, ThreeDashesIsNotASeparator) {
  // `---` is a binary selector: a method pattern, not the class-side separator.
  auto c = parse("Foo = ( --- x = ( ^ x ) )");
  ASSERT_EQ(c->instanceMethods.size(), 1u);
  EXPECT_EQ(c->instanceMethods[0]->selector, "---");
  EXPECT_TRUE(c->classMethods.empty());
}

TEST(Parser, TrailingInputAfterClassIsAnError) {
  auto e = parseError("Foo = ( ) Bar");
  EXPECT_NE(std::string(e.what()).find("expected end of file"), std::string::npos) << e.what();
}

// --- method patterns ----------------------------------------------------------------------

TEST(Parser, MethodPatterns) {
  auto c = parse(
      "Foo = (\n"
      "  unary = ( )\n"
      "  + other = ( )\n"
      "  - other = ( )\n"
      "  <= other = ( )\n"
      "  at: i put: v = ( )\n"
      "  value: a = ( )\n"
      "  prim = primitive\n"
      ")");
  auto& ms = c->instanceMethods;
  ASSERT_EQ(ms.size(), 7u);
  EXPECT_EQ(ms[0]->selector, "unary");
  EXPECT_TRUE(ms[0]->params.empty());
  EXPECT_EQ(ms[1]->selector, "+");
  EXPECT_EQ(ms[1]->params, (std::vector<std::string>{"other"}));
  EXPECT_EQ(ms[2]->selector, "-");
  EXPECT_EQ(ms[3]->selector, "<=");
  EXPECT_EQ(ms[4]->selector, "at:put:");
  EXPECT_EQ(ms[4]->params, (std::vector<std::string>{"i", "v"}));
  EXPECT_EQ(ms[5]->selector, "value:");
  EXPECT_EQ(ms[6]->selector, "prim");
  EXPECT_TRUE(ms[6]->isPrimitive);
  EXPECT_FALSE(ms[0]->isPrimitive);
  EXPECT_EQ(ms[4]->line, 6);
  EXPECT_EQ(ms[4]->column, 3);
}

TEST(Parser, DuplicateArgumentIsAnError) {
  auto e = parseError("Foo = ( at: a put: a = ( ) )");
  EXPECT_NE(std::string(e.what()).find("duplicate"), std::string::npos) << e.what();
}

TEST(Parser, MethodLocals) {
  auto p = parseBody("| a b c | a := 1. ^ a");
  EXPECT_EQ(p.method->body.locals, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(p.method->body.statements.size(), 2u);
  EXPECT_EQ(p.method->body.statements[0]->k, Node::K::Assign);
  EXPECT_EQ(p.method->body.statements[1]->k, Node::K::Return);
}

TEST(Parser, EmptyLocalsAsDoubleBar) {
  auto p = parseBody("|| ^ 1");
  EXPECT_TRUE(p.method->body.locals.empty());
  EXPECT_EQ(p.method->body.statements.size(), 1u);
}

// --- precedence ---------------------------------------------------------------------------

TEST(Parser, UnaryBindsTighterThanBinaryTighterThanKeyword) {
  EXPECT_EQ(showBody("a foo + b bar baz: c - d qux"), "(((a foo) + (b bar)) baz: (c - (d qux)))");
}

TEST(Parser, BinaryIsLeftToRight) {
  EXPECT_EQ(showBody("1 + 2 * 3"), "((1 + 2) * 3)");
  EXPECT_EQ(showBody("a - b - c"), "((a - b) - c)");
  EXPECT_EQ(showBody("a <= b | c"), "((a <= b) | c)");
}

TEST(Parser, UnaryChainIsLeftToRight) {
  EXPECT_EQ(showBody("a b c d"), "(((a b) c) d)");
}

TEST(Parser, KeywordMessageIsOneSend) {
  auto p = parseBody("d at: 1 put: 2 + 3");
  SendNode* s = asSend(firstExpr(p));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->selector, "at:put:");
  ASSERT_EQ(s->args.size(), 2u);
  EXPECT_EQ(show(s->args[1].get()), "(2 + 3)");
}

TEST(Parser, ParenthesesOverridePrecedence) {
  EXPECT_EQ(showBody("1 + (2 * 3)"), "(1 + (2 * 3))");
  EXPECT_EQ(showBody("(a at: 1) foo"), "((a at: 1) foo)");
  EXPECT_EQ(showBody("a foo: (b bar: c)"), "(a foo: (b bar: c))");
}

TEST(Parser, AssignmentChains) {
  EXPECT_EQ(showBody("a := b := 3 + 4"), "(a := (b := (3 + 4)))");
}

TEST(Parser, MinusAsBinaryAndNegativeLiteral) {
  EXPECT_EQ(showBody("3 - -2"), "(3 - -2)");
  EXPECT_EQ(showBody("3-2"), "(3 - 2)");
  EXPECT_EQ(showBody("x - 1"), "(x - 1)");
  auto p = parseBody("-5 abs");
  SendNode* s = asSend(firstExpr(p));
  ASSERT_NE(s, nullptr);
  LiteralNode* l = asLit(s->receiver.get());
  EXPECT_EQ(l->lit, LiteralNode::L::Integer);
  EXPECT_EQ(l->text, "-5");
  auto d = parseBody("-2.5");
  LiteralNode* ld = asLit(firstExpr(d));
  EXPECT_EQ(ld->lit, LiteralNode::L::Double);
  EXPECT_DOUBLE_EQ(ld->dbl, -2.5);
}

TEST(Parser, CascadeIsAnError) {
  auto e = parseError("Foo = ( m = ( Transcript show: 1; show: 2 ) )");
  EXPECT_EQ(e.line, 1);
  EXPECT_EQ(e.column, 33);  // at the ';'
}

// --- super sends --------------------------------------------------------------------------

TEST(Parser, SuperFooBarMarksOnlyFoo) {
  auto p = parseBody("^ super foo bar");
  SendNode* bar = asSend(firstExpr(p));
  ASSERT_NE(bar, nullptr);
  EXPECT_EQ(bar->selector, "bar");
  EXPECT_FALSE(bar->isSuper);
  SendNode* foo = asSend(bar->receiver.get());
  ASSERT_NE(foo, nullptr);
  EXPECT_EQ(foo->selector, "foo");
  EXPECT_TRUE(foo->isSuper);
  EXPECT_EQ(varName(foo->receiver.get()), "super");
}

TEST(Parser, SuperBinaryAndKeywordSends) {
  {
    auto p = parseBody("^ super + 1");
    SendNode* s = asSend(firstExpr(p));
    EXPECT_TRUE(s->isSuper);
  }
  {
    auto p = parseBody("^ super at: 1 put: 2");
    SendNode* s = asSend(firstExpr(p));
    EXPECT_EQ(s->selector, "at:put:");
    EXPECT_TRUE(s->isSuper);
  }
  {
    // `super foo + 1`: foo is a super send, + is not.
    auto p = parseBody("^ super foo + 1");
    SendNode* plus = asSend(firstExpr(p));
    EXPECT_FALSE(plus->isSuper);
    EXPECT_TRUE(asSend(plus->receiver.get())->isSuper);
  }
  {
    // The argument of a keyword send to super is not sent to super.
    auto p = parseBody("^ super at: x size");
    SendNode* at = asSend(firstExpr(p));
    EXPECT_TRUE(at->isSuper);
    EXPECT_FALSE(asSend(at->args[0].get())->isSuper);
  }
  {
    // Sends to other receivers are never super sends, even named like it.
    auto p = parseBody("^ superb foo");
    EXPECT_FALSE(asSend(firstExpr(p))->isSuper);
  }
}

// --- literals -----------------------------------------------------------------------------

TEST(Parser, ScalarLiterals) {
  auto p = parseBody("a := 42. b := 2.5. c := 'str'. d := #at:put:. e := #'with space'");
  auto& sts = p.method->body.statements;
  ASSERT_EQ(sts.size(), 5u);
  auto value = [&](size_t i) { return asLit(static_cast<AssignNode*>(sts[i].get())->value.get()); };
  EXPECT_EQ(value(0)->lit, LiteralNode::L::Integer);
  EXPECT_EQ(value(0)->text, "42");
  EXPECT_EQ(value(1)->lit, LiteralNode::L::Double);
  EXPECT_DOUBLE_EQ(value(1)->dbl, 2.5);
  EXPECT_EQ(value(2)->lit, LiteralNode::L::String);
  EXPECT_EQ(value(2)->text, "str");
  EXPECT_EQ(value(3)->lit, LiteralNode::L::Symbol);
  EXPECT_EQ(value(3)->text, "at:put:");
  EXPECT_EQ(value(4)->lit, LiteralNode::L::Symbol);
  EXPECT_EQ(value(4)->text, "with space");
}

TEST(Parser, LiteralArrays) {
  auto p = parseBody("^ #(1 -2 3.5 -4.25 'str' #sym #at:put: #(7 #(8)) #+)");
  LiteralNode* a = asLit(firstExpr(p));
  ASSERT_EQ(a->lit, LiteralNode::L::Array);
  ASSERT_EQ(a->elements.size(), 9u);
  EXPECT_EQ(a->elements[0]->lit, LiteralNode::L::Integer);
  EXPECT_EQ(a->elements[0]->text, "1");
  EXPECT_EQ(a->elements[1]->lit, LiteralNode::L::Integer);
  EXPECT_EQ(a->elements[1]->text, "-2");
  EXPECT_EQ(a->elements[2]->lit, LiteralNode::L::Double);
  EXPECT_DOUBLE_EQ(a->elements[2]->dbl, 3.5);
  EXPECT_EQ(a->elements[3]->lit, LiteralNode::L::Double);
  EXPECT_DOUBLE_EQ(a->elements[3]->dbl, -4.25);
  EXPECT_EQ(a->elements[4]->lit, LiteralNode::L::String);
  EXPECT_EQ(a->elements[4]->text, "str");
  EXPECT_EQ(a->elements[5]->lit, LiteralNode::L::Symbol);
  EXPECT_EQ(a->elements[5]->text, "sym");
  EXPECT_EQ(a->elements[6]->text, "at:put:");
  LiteralNode* nested = a->elements[7].get();
  ASSERT_EQ(nested->lit, LiteralNode::L::Array);
  ASSERT_EQ(nested->elements.size(), 2u);
  EXPECT_EQ(nested->elements[0]->text, "7");
  ASSERT_EQ(nested->elements[1]->lit, LiteralNode::L::Array);
  ASSERT_EQ(nested->elements[1]->elements.size(), 1u);
  EXPECT_EQ(nested->elements[1]->elements[0]->text, "8");
  EXPECT_EQ(a->elements[8]->lit, LiteralNode::L::Symbol);
  EXPECT_EQ(a->elements[8]->text, "+");
}

TEST(Parser, EmptyLiteralArray) {
  auto p = parseBody("^ #()");
  LiteralNode* a = asLit(firstExpr(p));
  EXPECT_EQ(a->lit, LiteralNode::L::Array);
  EXPECT_TRUE(a->elements.empty());
}

TEST(Parser, IdentifiersInLiteralArraysAreErrors) {
  auto e = parseError("Foo = ( m = ( ^ #(1 true) ) )");
  EXPECT_NE(std::string(e.what()).find("expected"), std::string::npos) << e.what();
  EXPECT_EQ(e.line, 1);
  EXPECT_EQ(e.column, 21);  // at `true`
  auto t = parseError("Foo = ( m = ( ^ #(true) ) )");
  EXPECT_EQ(t.column, 19);
  EXPECT_NE(std::string(t.what()).find("in a literal array"), std::string::npos) << t.what();
  EXPECT_NE(std::string(t.what()).find("found 'true'"), std::string::npos) << t.what();
  parseError("Foo = ( m = ( ^ #(nil) ) )");
  parseError("Foo = ( m = ( ^ #(foo) ) )");
}

TEST(Parser, UnterminatedLiteralArrayIsAnError) {
  auto e = parseError("Foo = ( m = ( ^ #(1 2");
  EXPECT_NE(std::string(e.what()).find("end of file"), std::string::npos) << e.what();
}

TEST(Parser, BigIntegerLiteralKeepsAllDigits) {
  auto p = parseBody("^ 123456789012345678901234567890");
  LiteralNode* l = asLit(firstExpr(p));
  EXPECT_EQ(l->lit, LiteralNode::L::Integer);
  EXPECT_EQ(l->text, "123456789012345678901234567890");
}

// --- blocks -------------------------------------------------------------------------------

TEST(Parser, BlockWithParamsAndLocals) {
  auto p = parseBody("^ [:a :b | | t u | t := a. b]");
  Node* n = firstExpr(p);
  ASSERT_EQ(n->k, Node::K::Block);
  auto* b = static_cast<BlockNode*>(n);
  EXPECT_EQ(b->params, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(b->body.locals, (std::vector<std::string>{"t", "u"}));
  ASSERT_EQ(b->body.statements.size(), 2u);
  EXPECT_EQ(b->body.statements[0]->k, Node::K::Assign);
  EXPECT_EQ(varName(b->body.statements[1].get()), "b");
}

TEST(Parser, BlockParamsFollowedByLocalsWithDoubleBar) {
  auto p = parseBody("^ [:a || t | t := a]");
  auto* b = static_cast<BlockNode*>(firstExpr(p));
  ASSERT_EQ(b->k, Node::K::Block);
  EXPECT_EQ(b->params, (std::vector<std::string>{"a"}));
  EXPECT_EQ(b->body.locals, (std::vector<std::string>{"t"}));
}

TEST(Parser, BlockWithoutParams) {
  auto p = parseBody("^ [ | x | x := 1. x ]");
  auto* b = static_cast<BlockNode*>(firstExpr(p));
  EXPECT_TRUE(b->params.empty());
  EXPECT_EQ(b->body.locals, (std::vector<std::string>{"x"}));
  auto empty = parseBody("^ []");
  auto* eb = static_cast<BlockNode*>(firstExpr(empty));
  EXPECT_TRUE(eb->body.statements.empty());
}

TEST(Parser, BlockParamsNeedABar) {
  auto e = parseError("Foo = ( m = ( ^ [:a a] ) )");
  EXPECT_NE(std::string(e.what()).find("'|'"), std::string::npos) << e.what();
}

TEST(Parser, DuplicateBlockParamIsAnError) {
  auto e = parseError("Foo = ( m = ( ^ [:a :a | a] ) )");
  EXPECT_NE(std::string(e.what()).find("duplicate"), std::string::npos) << e.what();
}

TEST(Parser, ReturnOnlyLast) {
  // A trailing period after the return is allowed.
  auto ok = parseBody("^ 1.");
  EXPECT_EQ(ok.method->body.statements.size(), 1u);
  auto e = parseError("Foo = ( m = ( ^ 1. 2 ) )");
  EXPECT_NE(std::string(e.what()).find("after a return"), std::string::npos) << e.what();
  EXPECT_EQ(e.line, 1);
  EXPECT_EQ(e.column, 20);  // at `2`
  auto eb = parseError("Foo = ( m = ( [ ^ 1. 2 ] ) )");
  EXPECT_NE(std::string(eb.what()).find("']' after a return"), std::string::npos) << eb.what();
}

TEST(Parser, ReturnInsideBlockIsParsed) {
  auto p = parseBody("x ifTrue: [ ^ 1 ]. ^ 2");
  SendNode* s = asSend(p.method->body.statements[0].get());
  ASSERT_EQ(s->args[0]->k, Node::K::Block);
  auto* b = static_cast<BlockNode*>(s->args[0].get());
  ASSERT_EQ(b->body.statements.size(), 1u);
  EXPECT_EQ(b->body.statements[0]->k, Node::K::Return);
}

// --- errors carry positions and 'expected ...' messages ------------------------------------

TEST(Parser, ErrorMissingEquals) {
  auto e = parseError("Foo (");
  EXPECT_EQ(std::string(e.what()), "expected '=' after the class name but found '('");
  EXPECT_EQ(e.line, 1);
  EXPECT_EQ(e.column, 5);
}

TEST(Parser, ErrorMissingExpression) {
  auto e = parseError("Foo = (\n  m = (\n    ^ 1 +\n  )\n)");
  EXPECT_NE(std::string(e.what()).find("expected"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("found ')'"), std::string::npos) << e.what();
  EXPECT_EQ(e.line, 4);
  EXPECT_EQ(e.column, 3);
}

TEST(Parser, ErrorMissingPeriodBetweenStatements) {
  auto e = parseError("Foo = ( m = ( a := 1 b := 2 ) )");
  // `a := 1 b` parses as a := (1 b); then `:=` cannot follow.
  EXPECT_EQ(std::string(e.what()).rfind("expected ", 0), 0u) << e.what();
  EXPECT_EQ(e.line, 1);
  EXPECT_EQ(e.column, 24);
}

TEST(Parser, ErrorAtEndOfFile) {
  auto e = parseError("Foo = ( m = ( ^ 1 )\n");
  EXPECT_NE(std::string(e.what()).find("end of file"), std::string::npos) << e.what();
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.column, 1);
}

TEST(Parser, ErrorMissingClassName) {
  auto e = parseError("= ( )");
  EXPECT_EQ(std::string(e.what()).rfind("expected a class name", 0), 0u) << e.what();
}

TEST(Parser, LexerErrorsBecomeCompileErrors) {
  auto e = parseError("Foo = (\n m = ( ^ 'abc\\z' ) )");
  EXPECT_NE(std::string(e.what()).find("escape"), std::string::npos) << e.what();
  EXPECT_EQ(e.line, 2);
  EXPECT_EQ(e.column, 14);
  auto u = parseError("Foo = ( m = ( ^ 'abc ) )");
  EXPECT_NE(std::string(u.what()).find("unterminated"), std::string::npos) << u.what();
  EXPECT_EQ(u.column, 17);
}

TEST(Parser, ErrorMissingArgumentName) {
  auto e = parseError("Foo = ( at: = ( ) )");
  EXPECT_NE(std::string(e.what()).find("argument name"), std::string::npos) << e.what();
  EXPECT_EQ(e.column, 13);
}

TEST(Parser, StatementPositions) {
  auto cls = parse("Foo = (\n  m = (\n    | x |\n    x := 3.\n    ^ x foo: 4\n  )\n)");
  MethodNode* m = cls->instanceMethods[0].get();
  EXPECT_EQ(m->line, 2);
  EXPECT_EQ(m->column, 3);
  EXPECT_EQ(m->endLine, 6);
  ASSERT_EQ(m->body.statements.size(), 2u);
  EXPECT_EQ(m->body.statements[0]->line, 4);
  EXPECT_EQ(m->body.statements[0]->column, 5);
  EXPECT_EQ(m->body.statements[1]->line, 5);
  auto* send = static_cast<SendNode*>(static_cast<ReturnNode*>(m->body.statements[1].get())->value.get());
  EXPECT_EQ(send->line, 5);
  EXPECT_EQ(send->column, 9);  // at the first keyword
}
