#include "compiler/lexer.h"

#include <cctype>

namespace som {

static bool isLetter(char c) { return std::isalpha(static_cast<unsigned char>(c)); }
static bool isDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)); }
static bool isIdentChar(char c) { return isLetter(c) || isDigit(c) || c == '_'; }

bool Lexer::isOperatorChar(char c) {
  switch (c) {
    case '~': case '&': case '|': case '*': case '/': case '\\': case '+': case '=':
    case '>': case '<': case ',': case '@': case '%': case '-':
      return true;
    default:
      return false;
  }
}

void Lexer::advance() {
  if (atEnd()) return;
  if (src_[pos_] == '\n') {
    line_++;
    column_ = 1;
  } else {
    column_++;
  }
  pos_++;
}

Token Lexer::make(Tok kind, std::string text, int line, int column) const {
  Token t;
  t.kind = kind;
  t.text = std::move(text);
  t.line = line;
  t.column = column;
  return t;
}

bool Lexer::skipWhitespaceAndComments(Token& errorToken) {
  for (;;) {
    while (!atEnd() && std::isspace(static_cast<unsigned char>(peek()))) advance();
    if (peek() != '"') return true;
    int line = line_, column = column_;
    advance();
    while (!atEnd() && peek() != '"') advance();
    if (atEnd()) {
      error_ = "unterminated comment (started here)";
      errorToken = make(Tok::Error, "", line, column);
      return false;
    }
    advance();
  }
}

Token Lexer::lexString(int line, int column, bool& ok) {
  std::string text;
  advance();  // opening quote
  for (;;) {
    if (atEnd()) {
      ok = false;
      error_ = "unterminated string literal (started here)";
      return make(Tok::Error, "", line, column);
    }
    char c = peek();
    if (c == '\'') {
      advance();
      break;
    }
    if (c == '\\') {
      int escLine = line_, escColumn = column_;
      advance();
      char e = peek();
      switch (e) {
        case 't': text += '\t'; break;
        case 'b': text += '\b'; break;
        case 'n': text += '\n'; break;
        case 'r': text += '\r'; break;
        case 'f': text += '\f'; break;
        case '0': text += '\0'; break;
        case '\'': text += '\''; break;
        case '\\': text += '\\'; break;
        default:
          ok = false;
          error_ = std::string("unknown escape sequence '\\") + (e ? std::string(1, e) : "") + "'";
          return make(Tok::Error, "", escLine, escColumn);
      }
      advance();
      continue;
    }
    text += c;
    advance();
  }
  ok = true;
  return make(Tok::String, std::move(text), line, column);
}

Token Lexer::lexNumber(int line, int column) {
  std::string text;
  while (isDigit(peek())) {
    text += peek();
    advance();
  }
  if (peek() == '.' && isDigit(peek(1))) {
    text += '.';
    advance();
    while (isDigit(peek())) {
      text += peek();
      advance();
    }
    return make(Tok::Double, std::move(text), line, column);
  }
  return make(Tok::Integer, std::move(text), line, column);
}

Token Lexer::lexSymbol(int line, int column) {
  // at '#'
  advance();
  char c = peek();
  if (c == '(') return make(Tok::Pound, "#", line, column);
  if (c == '\'') {
    bool ok = true;
    Token s = lexString(line, column, ok);
    if (!ok) return s;
    return make(Tok::Symbol, std::move(s.text), line, column);
  }
  if (isOperatorChar(c)) {
    std::string text;
    while (isOperatorChar(peek())) {
      text += peek();
      advance();
    }
    return make(Tok::Symbol, std::move(text), line, column);
  }
  if (isLetter(c)) {
    std::string text;
    // A run of keywords (and a trailing identifier) forms one selector: #at:put:, #foo:bar
    while (isLetter(peek())) {
      while (isIdentChar(peek())) {
        text += peek();
        advance();
      }
      if (peek() == ':') {
        text += ':';
        advance();
      } else {
        break;
      }
    }
    return make(Tok::Symbol, std::move(text), line, column);
  }
  error_ = "expected a symbol after '#'";
  return make(Tok::Error, "", line, column);
}

Token Lexer::next() {
  Token err;
  if (!skipWhitespaceAndComments(err)) return err;
  int line = line_, column = column_;
  if (atEnd()) return make(Tok::End, "", line, column);
  char c = peek();

  if (isLetter(c)) {
    std::string text;
    while (isIdentChar(peek())) {
      text += peek();
      advance();
    }
    if (peek() == ':' && peek(1) != '=') {
      text += ':';
      advance();
      return make(Tok::Keyword, std::move(text), line, column);
    }
    if (text == "primitive") return make(Tok::Primitive, std::move(text), line, column);
    return make(Tok::Identifier, std::move(text), line, column);
  }
  if (isDigit(c)) return lexNumber(line, column);
  if (c == '\'') {
    bool ok = true;
    return lexString(line, column, ok);
  }
  if (c == '#') return lexSymbol(line, column);
  if (c == ':') {
    advance();
    if (peek() == '=') {
      advance();
      return make(Tok::Assign, ":=", line, column);
    }
    return make(Tok::Colon, ":", line, column);
  }
  if (c == '-' && peek(1) == '-' && peek(2) == '-' && peek(3) == '-') {
    while (peek() == '-') advance();
    return make(Tok::Separator, "----", line, column);
  }
  if (isOperatorChar(c)) {
    std::string text;
    while (isOperatorChar(peek())) {
      text += peek();
      advance();
    }
    if (text == "|") return make(Tok::Bar, text, line, column);
    if (text == "-") return make(Tok::Minus, text, line, column);
    return make(Tok::OperatorSeq, std::move(text), line, column);
  }
  advance();
  switch (c) {
    case '(': return make(Tok::LParen, "(", line, column);
    case ')': return make(Tok::RParen, ")", line, column);
    case '[': return make(Tok::LBracket, "[", line, column);
    case ']': return make(Tok::RBracket, "]", line, column);
    case '.': return make(Tok::Period, ".", line, column);
    case '^': return make(Tok::Caret, "^", line, column);
    default:
      break;
  }
  error_ = std::string("unexpected character '") + c + "'";
  return make(Tok::Error, "", line, column);
}

}  // namespace som
