#include "compiler/parser.h"

#include <cstdlib>

namespace som {

Parser::Parser(std::string_view source) : lexer_(source) { advance(); }

// Only a message sent directly to `super` is a super send (`super foo bar` sends bar
// normally to the result of the super send foo).
static bool isSuperReceiver(const NodePtr& receiver) {
  return receiver->k == Node::K::Variable &&
         static_cast<VariableNode*>(receiver.get())->name == "super";
}

const Token& Parser::lookahead() {
  if (!hasPeek_) {
    peek_ = lexer_.next();
    hasPeek_ = true;
  }
  return peek_;
}

void Parser::advance() {
  if (hasPeek_) {
    tok_ = std::move(peek_);
    hasPeek_ = false;
  } else {
    tok_ = lexer_.next();
  }
  if (tok_.kind == Tok::Error) throw CompileError(lexer_.error(), tok_.line, tok_.column);
}

std::string Parser::describe(const Token& t) const {
  switch (t.kind) {
    case Tok::End: return "end of file";
    case Tok::String: return "string literal";
    case Tok::Symbol: return "symbol #" + t.text;
    default: return "'" + t.text + "'";
  }
}

void Parser::fail(const std::string& expected) {
  throw CompileError("expected " + expected + " but found " + describe(tok_), tok_.line, tok_.column);
}

Parser::Nesting::Nesting(Parser& parser) : p(parser) {
  if (++p.depth_ > kMaxNesting) {
    p.depth_--;
    throw CompileError("expressions nested too deeply (more than " + std::to_string(kMaxNesting) +
                           " levels)",
                       p.tok_.line, p.tok_.column);
  }
}

bool Parser::accept(Tok kind) {
  if (tok_.kind != kind) return false;
  advance();
  return true;
}

void Parser::expect(Tok kind, const char* what) {
  if (!accept(kind)) fail(what);
}

bool Parser::atBinaryOperator() const {
  return tok_.kind == Tok::OperatorSeq || tok_.kind == Tok::Bar || tok_.kind == Tok::Minus;
}

std::unique_ptr<ClassNode> Parser::parseClass() {
  auto cls = std::make_unique<ClassNode>();
  cls->line = tok_.line;
  cls->column = tok_.column;
  if (tok_.kind != Tok::Identifier) fail("a class name");
  cls->name = tok_.text;
  advance();
  if (!(tok_.kind == Tok::OperatorSeq && tok_.text == "=")) fail("'=' after the class name");
  advance();
  if (tok_.kind == Tok::Identifier) {
    cls->superName = tok_.text;
    if (tok_.text == "nil") cls->hasSuperclass = false;
    advance();
  }
  expect(Tok::LParen, "'(' to start the class body");
  parseClassBody(*cls);
  expect(Tok::RParen, "')' to end the class body");
  if (tok_.kind != Tok::End) fail("end of file after the class definition");
  return cls;
}


void Parser::parseClassBody(ClassNode& cls) {
  auto fields = [&](std::vector<std::string>& out) {
    if (tok_.kind != Tok::Bar) return;
    advance();
    while (tok_.kind == Tok::Identifier) {
      out.push_back(tok_.text);
      advance();
    }
    expect(Tok::Bar, "'|' to end the field declarations");
  };
  auto methods = [&](std::vector<std::unique_ptr<MethodNode>>& out) {
    while (tok_.kind == Tok::Identifier || tok_.kind == Tok::Keyword || atBinaryOperator() ||
           tok_.kind == Tok::Primitive) {
      out.push_back(parseMethod());
    }
  };
  fields(cls.instanceFields);
  methods(cls.instanceMethods);
  if (accept(Tok::Separator)) {
    fields(cls.classFields);
    methods(cls.classMethods);
  }
}

void Parser::parsePattern(MethodNode& m) {
  if (tok_.kind == Tok::Identifier || tok_.kind == Tok::Primitive) {
    m.selector = tok_.text;
    advance();
    return;
  }
  if (atBinaryOperator()) {
    m.selector = tok_.text;
    advance();
    if (tok_.kind != Tok::Identifier) fail("an argument name after binary selector");
    m.params.push_back(tok_.text);
    advance();
    return;
  }
  while (tok_.kind == Tok::Keyword) {
    m.selector += tok_.text;
    advance();
    if (tok_.kind != Tok::Identifier) fail("an argument name after keyword");
    m.params.push_back(tok_.text);
    advance();
  }
  if (m.selector.empty()) fail("a method pattern");
}

std::unique_ptr<MethodNode> Parser::parseMethod() {
  auto m = std::make_unique<MethodNode>();
  m->line = tok_.line;
  m->column = tok_.column;
  parsePattern(*m);
  for (size_t i = 0; i < m->params.size(); i++)
    for (size_t j = 0; j < i; j++)
      if (m->params[i] == m->params[j])
        throw CompileError("duplicate argument name '" + m->params[i] + "'", m->line, m->column);
  if (!(tok_.kind == Tok::OperatorSeq && tok_.text == "=")) fail("'=' after the method pattern");
  advance();
  if (accept(Tok::Primitive)) {
    m->isPrimitive = true;
    m->endLine = tok_.line;
    return m;
  }
  expect(Tok::LParen, "'(' or 'primitive' to start the method body");
  parseBody(m->body, Tok::RParen);
  m->endLine = tok_.line;
  expect(Tok::RParen, "')' to end the method body");
  return m;
}

void Parser::parseLocals(Body& body) {
  if (tok_.kind == Tok::OperatorSeq && tok_.text == "||") {  // empty declaration
    advance();
    return;
  }
  if (tok_.kind != Tok::Bar) return;
  advance();
  while (tok_.kind == Tok::Identifier) {
    body.locals.push_back(tok_.text);
    body.localLines.push_back(tok_.line);
    advance();
  }
  expect(Tok::Bar, "'|' to end the local declarations");
}

void Parser::parseBody(Body& body, Tok terminator) {
  parseLocals(body);
  while (tok_.kind != terminator) {
    if (tok_.kind == Tok::Caret) {
      auto ret = std::make_unique<ReturnNode>();
      ret->line = tok_.line;
      ret->column = tok_.column;
      advance();
      ret->value = parseExpression();
      body.statements.push_back(std::move(ret));
      accept(Tok::Period);
      if (tok_.kind != terminator)
        fail(terminator == Tok::RParen ? "')' after a return statement" : "']' after a return statement");
      return;
    }
    body.statements.push_back(parseExpression());
    if (!accept(Tok::Period)) {
      if (tok_.kind != terminator)
        fail(terminator == Tok::RParen ? "'.' or ')'" : "'.' or ']'");
    }
  }
}

NodePtr Parser::parseExpression() {
  Nesting nesting(*this);
  if (tok_.kind == Tok::Identifier && lookahead().kind == Tok::Assign) {
    auto assign = std::make_unique<AssignNode>();
    assign->line = tok_.line;
    assign->column = tok_.column;
    assign->target = std::make_unique<VariableNode>();
    assign->target->name = tok_.text;
    assign->target->line = tok_.line;
    assign->target->column = tok_.column;
    advance();  // identifier
    advance();  // :=
    assign->value = parseExpression();
    return assign;
  }
  return parseEvaluation();
}

NodePtr Parser::parseUnaryChain(NodePtr receiver) {
  while (tok_.kind == Tok::Identifier) {
    auto send = std::make_unique<SendNode>();
    send->line = tok_.line;
    send->column = tok_.column;
    send->selector = tok_.text;
    send->isSuper = isSuperReceiver(receiver);
    send->receiver = std::move(receiver);
    advance();
    receiver = std::move(send);
  }
  return receiver;
}

NodePtr Parser::parseBinaryOperand() { return parseUnaryChain(parsePrimary()); }

// Binary messages, strictly left to right: `a + b * c` is `(a + b) * c`.
NodePtr Parser::parseBinaryMessages(NodePtr receiver) {
  while (atBinaryOperator()) {
    auto bin = std::make_unique<SendNode>();
    bin->line = tok_.line;
    bin->column = tok_.column;
    bin->selector = tok_.text;
    advance();
    bin->isSuper = isSuperReceiver(receiver);
    bin->receiver = std::move(receiver);
    bin->args.push_back(parseBinaryOperand());
    receiver = std::move(bin);
  }
  return receiver;
}

NodePtr Parser::parseKeywordMessage(NodePtr receiver) {
  auto send = std::make_unique<SendNode>();
  send->line = tok_.line;
  send->column = tok_.column;
  send->isSuper = isSuperReceiver(receiver);
  send->receiver = std::move(receiver);
  while (tok_.kind == Tok::Keyword) {
    send->selector += tok_.text;
    advance();
    send->args.push_back(parseBinaryMessages(parseBinaryOperand()));
  }
  return send;
}

NodePtr Parser::parseEvaluation() {
  NodePtr expr = parsePrimary();
  expr = parseBinaryMessages(parseUnaryChain(std::move(expr)));
  if (tok_.kind == Tok::Keyword) expr = parseKeywordMessage(std::move(expr));
  return expr;
}

std::unique_ptr<LiteralNode> Parser::parseNumber(bool negative) {
  std::unique_ptr<LiteralNode> lit;
  if (tok_.kind == Tok::Integer) {
    lit = std::make_unique<LiteralNode>(LiteralNode::L::Integer);
    lit->text = (negative ? "-" : "") + tok_.text;
  } else if (tok_.kind == Tok::Double) {
    lit = std::make_unique<LiteralNode>(LiteralNode::L::Double);
    lit->text = (negative ? "-" : "") + tok_.text;
    lit->dbl = std::strtod(lit->text.c_str(), nullptr);
  } else {
    fail("a number after '-'");
  }
  lit->line = tok_.line;
  lit->column = tok_.column;
  advance();
  return lit;
}

std::unique_ptr<LiteralNode> Parser::parseLiteralArray() {
  Nesting nesting(*this);
  auto arr = std::make_unique<LiteralNode>(LiteralNode::L::Array);
  arr->line = tok_.line;
  arr->column = tok_.column;
  expect(Tok::Pound, "'#('");
  expect(Tok::LParen, "'(' after '#'");
  while (tok_.kind != Tok::RParen) {
    switch (tok_.kind) {
      case Tok::Integer:
      case Tok::Double:
        arr->elements.push_back(parseNumber(false));
        break;
      case Tok::Minus:
        advance();
        arr->elements.push_back(parseNumber(true));
        break;
      case Tok::String:
      case Tok::Symbol: {
        auto e = std::make_unique<LiteralNode>(tok_.kind == Tok::String ? LiteralNode::L::String
                                                                         : LiteralNode::L::Symbol);
        e->text = tok_.text;
        advance();
        arr->elements.push_back(std::move(e));
        break;
      }
      case Tok::Pound:
        arr->elements.push_back(parseLiteralArray());
        break;
      default:
        fail("a number, string, symbol, '#(' or ')' in a literal array");
    }
  }
  advance();
  return arr;
}

std::unique_ptr<LiteralNode> Parser::parseLiteral() {
  switch (tok_.kind) {
    case Tok::Integer:
    case Tok::Double:
      return parseNumber(false);
    case Tok::Minus:
      advance();
      return parseNumber(true);
    case Tok::String:
    case Tok::Symbol: {
      auto lit = std::make_unique<LiteralNode>(tok_.kind == Tok::String ? LiteralNode::L::String
                                                                         : LiteralNode::L::Symbol);
      lit->text = tok_.text;
      lit->line = tok_.line;
      lit->column = tok_.column;
      advance();
      return lit;
    }
    case Tok::Pound:
      return parseLiteralArray();
    default:
      fail("an expression");
  }
}

std::unique_ptr<BlockNode> Parser::parseBlock() {
  Nesting nesting(*this);
  auto block = std::make_unique<BlockNode>();
  block->line = tok_.line;
  block->column = tok_.column;
  expect(Tok::LBracket, "'['");
  if (tok_.kind == Tok::Colon) {
    while (accept(Tok::Colon)) {
      if (tok_.kind != Tok::Identifier) fail("a block parameter name after ':'");
      for (auto& p : block->params)
        if (p == tok_.text)
          throw CompileError("duplicate block parameter '" + p + "'", tok_.line, tok_.column);
      block->params.push_back(tok_.text);
      advance();
    }
    if (tok_.kind == Tok::OperatorSeq && tok_.text == "||") {
      // `[:a || t | ...]`: the end of the parameters and the start of the locals.
      advance();
      while (tok_.kind == Tok::Identifier) {
        block->body.locals.push_back(tok_.text);
        block->body.localLines.push_back(tok_.line);
        advance();
      }
      expect(Tok::Bar, "'|' to end the local declarations");
    } else {
      expect(Tok::Bar, "'|' after the block parameters");
    }
  }
  if (block->params.size() > 2)
    throw CompileError("blocks take at most 2 parameters", block->line, block->column);
  parseBody(block->body, Tok::RBracket);
  expect(Tok::RBracket, "']' to end the block");
  return block;
}

NodePtr Parser::parsePrimary() {
  switch (tok_.kind) {
    case Tok::Identifier: {
      auto v = std::make_unique<VariableNode>();
      v->name = tok_.text;
      v->line = tok_.line;
      v->column = tok_.column;
      advance();
      return v;
    }
    case Tok::LParen: {
      advance();
      NodePtr e = parseExpression();
      expect(Tok::RParen, "')'");
      return e;
    }
    case Tok::LBracket:
      return parseBlock();
    default:
      return parseLiteral();
  }
}

}  // namespace som
