// The SOM lexer: turns source text into tokens with line and column positions.
#pragma once

#include <string>
#include <string_view>

namespace som {

enum class Tok {
  End,
  Identifier,
  Keyword,         // foo:
  KeywordSequence, // foo:bar: (only after #)
  OperatorSeq,     // binary selector characters, greedy
  Integer,
  Double,
  String,
  Symbol,          // #foo, #foo:bar:, #+, #'text' (text holds the symbol's name)
  Primitive,
  Assign,          // :=
  Colon,
  Pound,           // # followed by '(' (literal array start)
  LParen,
  RParen,
  LBracket,
  RBracket,
  Period,
  Caret,
  Separator,       // ----
  Bar,             // | when it stands alone
  Minus,           // - when it stands alone (may start a negative literal)
  Error,
};

struct Token {
  Tok kind = Tok::End;
  std::string text;  // identifier/keyword/operator/number text, decoded string contents
  int line = 1;
  int column = 1;
};

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(source) {}
  Token next();
  // Text of the error when next() returned Tok::Error.
  const std::string& error() const { return error_; }

 private:
  char peek(size_t ahead = 0) const { return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0'; }
  bool atEnd() const { return pos_ >= src_.size(); }
  void advance();
  bool skipWhitespaceAndComments(Token& errorToken);
  Token make(Tok kind, std::string text, int line, int column) const;
  Token lexString(int line, int column, bool& ok);
  Token lexNumber(int line, int column);
  Token lexSymbol(int line, int column);
  static bool isOperatorChar(char c);

  std::string_view src_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  std::string error_;
};

}  // namespace som
