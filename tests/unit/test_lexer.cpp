// The lexer: token kinds and texts, operator runs, numbers, strings, comments, positions.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "compiler/lexer.h"

using som::Lexer;
using som::Tok;
using som::Token;

namespace {

// All tokens up to and including End (or the first Error).
std::vector<Token> lexAll(std::string_view src, std::string* error = nullptr) {
  Lexer lx(src);
  std::vector<Token> out;
  for (int guard = 0; guard < 10000; guard++) {
    Token t = lx.next();
    out.push_back(t);
    if (t.kind == Tok::End) break;
    if (t.kind == Tok::Error) {
      if (error) *error = lx.error();
      break;
    }
  }
  return out;
}

std::vector<Tok> kinds(std::string_view src) {
  std::vector<Tok> out;
  for (auto& t : lexAll(src)) out.push_back(t.kind);
  return out;
}

std::vector<std::string> texts(std::string_view src) {
  std::vector<std::string> out;
  for (auto& t : lexAll(src))
    if (t.kind != Tok::End) out.push_back(t.text);
  return out;
}

}  // namespace

TEST(Lexer, EmptyInputIsEnd) {
  auto ts = lexAll("");
  ASSERT_EQ(ts.size(), 1u);
  EXPECT_EQ(ts[0].kind, Tok::End);
  // End is sticky.
  Lexer lx("   ");
  EXPECT_EQ(lx.next().kind, Tok::End);
  EXPECT_EQ(lx.next().kind, Tok::End);
}

TEST(Lexer, Identifiers) {
  auto ts = lexAll("foo Bar_baz x1 _ignored");
  // '_' cannot start an identifier in this lexer; the first three are identifiers.
  ASSERT_GE(ts.size(), 3u);
  EXPECT_EQ(ts[0].kind, Tok::Identifier);
  EXPECT_EQ(ts[0].text, "foo");
  EXPECT_EQ(ts[1].kind, Tok::Identifier);
  EXPECT_EQ(ts[1].text, "Bar_baz");
  EXPECT_EQ(ts[2].kind, Tok::Identifier);
  EXPECT_EQ(ts[2].text, "x1");
}

TEST(Lexer, PrimitiveIsItsOwnToken) {
  auto ts = lexAll("primitive primitives");
  ASSERT_EQ(ts.size(), 3u);
  EXPECT_EQ(ts[0].kind, Tok::Primitive);
  EXPECT_EQ(ts[1].kind, Tok::Identifier);
  EXPECT_EQ(ts[1].text, "primitives");
}

TEST(Lexer, Keywords) {
  auto ts = lexAll("at: 1 put: 2");
  ASSERT_EQ(ts.size(), 5u);
  EXPECT_EQ(ts[0].kind, Tok::Keyword);
  EXPECT_EQ(ts[0].text, "at:");
  EXPECT_EQ(ts[1].kind, Tok::Integer);
  EXPECT_EQ(ts[2].kind, Tok::Keyword);
  EXPECT_EQ(ts[2].text, "put:");
  EXPECT_EQ(ts[4].kind, Tok::End);
}

TEST(Lexer, KeywordsOutsideSymbolsAreSeparateTokens) {
  // Without '#', at:put: is two keywords, not one selector.
  EXPECT_EQ(kinds("at:put:"), (std::vector<Tok>{Tok::Keyword, Tok::Keyword, Tok::End}));
  EXPECT_EQ(texts("at:put:"), (std::vector<std::string>{"at:", "put:"}));
}

TEST(Lexer, IdentifierFollowedByAssignIsNotAKeyword) {
  EXPECT_EQ(kinds("x:=3"), (std::vector<Tok>{Tok::Identifier, Tok::Assign, Tok::Integer, Tok::End}));
  EXPECT_EQ(kinds("x := 3"), (std::vector<Tok>{Tok::Identifier, Tok::Assign, Tok::Integer, Tok::End}));
  EXPECT_EQ(kinds(": x"), (std::vector<Tok>{Tok::Colon, Tok::Identifier, Tok::End}));
}

TEST(Lexer, SymbolWithKeywordSequence) {
  auto ts = lexAll("#at:put: #foo #+ #'hello world' #value:");
  ASSERT_EQ(ts.size(), 6u);
  for (int i = 0; i < 5; i++) EXPECT_EQ(ts[i].kind, Tok::Symbol) << i;
  EXPECT_EQ(ts[0].text, "at:put:");
  EXPECT_EQ(ts[1].text, "foo");
  EXPECT_EQ(ts[2].text, "+");
  EXPECT_EQ(ts[3].text, "hello world");
  EXPECT_EQ(ts[4].text, "value:");
}

TEST(Lexer, SymbolOperatorRunIsOneSymbol) {
  auto ts = lexAll("#<= #-> #~=");
  ASSERT_EQ(ts.size(), 4u);
  EXPECT_EQ(ts[0].text, "<=");
  EXPECT_EQ(ts[1].text, "->");
  EXPECT_EQ(ts[2].text, "~=");
}

TEST(Lexer, PoundBeforeParenStartsLiteralArray) {
  EXPECT_EQ(kinds("#(1 2)"),
            (std::vector<Tok>{Tok::Pound, Tok::LParen, Tok::Integer, Tok::Integer, Tok::RParen, Tok::End}));
}

TEST(Lexer, PoundAloneIsAnError) {
  std::string err;
  auto ts = lexAll("# 1", &err);
  EXPECT_EQ(ts.back().kind, Tok::Error);
  EXPECT_NE(err.find("symbol"), std::string::npos) << err;
}

TEST(Lexer, OperatorRunsAreOneToken) {
  auto ts = lexAll("--> <= || ~= == , @ % & \\\\ >= ->");
  std::vector<std::string> expected = {"-->", "<=", "||", "~=", "==", ",", "@", "%", "&", "\\\\", ">=", "->"};
  ASSERT_EQ(ts.size(), expected.size() + 1);
  for (size_t i = 0; i < expected.size(); i++) {
    EXPECT_EQ(ts[i].kind, Tok::OperatorSeq) << i;
    EXPECT_EQ(ts[i].text, expected[i]) << i;
  }
}

TEST(Lexer, OperatorRunWithoutSpaces) {
  // a<=b is three tokens; the run stops at a non-operator character.
  auto ts = lexAll("a<=b");
  ASSERT_EQ(ts.size(), 4u);
  EXPECT_EQ(ts[1].kind, Tok::OperatorSeq);
  EXPECT_EQ(ts[1].text, "<=");
  EXPECT_EQ(ts[2].text, "b");
}

TEST(Lexer, SingleBarAndMinusHaveTheirOwnKinds) {
  EXPECT_EQ(kinds("| - ||"), (std::vector<Tok>{Tok::Bar, Tok::Minus, Tok::OperatorSeq, Tok::End}));
}

TEST(Lexer, SeparatorNeedsFourDashes) {
  auto three = lexAll("---");
  ASSERT_EQ(three.size(), 2u);
  EXPECT_EQ(three[0].kind, Tok::OperatorSeq);
  EXPECT_EQ(three[0].text, "---");

  auto four = lexAll("----");
  ASSERT_EQ(four.size(), 2u);
  EXPECT_EQ(four[0].kind, Tok::Separator);

  // A longer run of dashes is still one separator.
  auto many = lexAll("---------- foo");
  ASSERT_EQ(many.size(), 3u);
  EXPECT_EQ(many[0].kind, Tok::Separator);
  EXPECT_EQ(many[1].kind, Tok::Identifier);
}

TEST(Lexer, NegativeNumberIsMinusThenNumber) {
  auto ts = lexAll("-5 -2.5");
  ASSERT_EQ(ts.size(), 5u);
  EXPECT_EQ(ts[0].kind, Tok::Minus);
  EXPECT_EQ(ts[1].kind, Tok::Integer);
  EXPECT_EQ(ts[1].text, "5");
  EXPECT_EQ(ts[2].kind, Tok::Minus);
  EXPECT_EQ(ts[3].kind, Tok::Double);
  EXPECT_EQ(ts[3].text, "2.5");
}

TEST(Lexer, IntegersAndDoubles) {
  auto ts = lexAll("0 42 3.14 123456789012345678901234567890 0.5");
  ASSERT_EQ(ts.size(), 6u);
  EXPECT_EQ(ts[0].kind, Tok::Integer);
  EXPECT_EQ(ts[0].text, "0");
  EXPECT_EQ(ts[1].kind, Tok::Integer);
  EXPECT_EQ(ts[1].text, "42");
  EXPECT_EQ(ts[2].kind, Tok::Double);
  EXPECT_EQ(ts[2].text, "3.14");
  EXPECT_EQ(ts[3].kind, Tok::Integer);
  EXPECT_EQ(ts[3].text, "123456789012345678901234567890");
  EXPECT_EQ(ts[4].kind, Tok::Double);
  EXPECT_EQ(ts[4].text, "0.5");
}

TEST(Lexer, DoubleNeedsDigitsOnBothSidesOfThePoint) {
  // `1.` ends a statement: Integer then Period.
  EXPECT_EQ(kinds("1."), (std::vector<Tok>{Tok::Integer, Tok::Period, Tok::End}));
  // `1.foo`: Integer, Period, Identifier.
  EXPECT_EQ(kinds("1.foo"), (std::vector<Tok>{Tok::Integer, Tok::Period, Tok::Identifier, Tok::End}));
  // `.5` is a Period then an Integer.
  EXPECT_EQ(kinds(".5"), (std::vector<Tok>{Tok::Period, Tok::Integer, Tok::End}));
  // `1.5.` is a Double then a Period.
  EXPECT_EQ(kinds("1.5."), (std::vector<Tok>{Tok::Double, Tok::Period, Tok::End}));
}

TEST(Lexer, PlainString) {
  auto ts = lexAll("'hello world'");
  ASSERT_EQ(ts.size(), 2u);
  EXPECT_EQ(ts[0].kind, Tok::String);
  EXPECT_EQ(ts[0].text, "hello world");
  auto empty = lexAll("''");
  EXPECT_EQ(empty[0].kind, Tok::String);
  EXPECT_EQ(empty[0].text, "");
}

TEST(Lexer, StringEscapes) {
  auto ts = lexAll(R"('a\tb\nc\'d\\e\0f\rg\bh\fi')");
  ASSERT_EQ(ts.size(), 2u);
  ASSERT_EQ(ts[0].kind, Tok::String);
  std::string expected = std::string("a\tb\nc'd\\e") + '\0' + "f\rg\bh\fi";
  EXPECT_EQ(ts[0].text, expected);
  EXPECT_EQ(ts[0].text.size(), expected.size());  // the NUL is kept, not a terminator
}

TEST(Lexer, StringMayContainNewlines) {
  auto ts = lexAll("'a\nb' x");
  ASSERT_EQ(ts.size(), 3u);
  EXPECT_EQ(ts[0].text, "a\nb");
  EXPECT_EQ(ts[1].line, 2);
  EXPECT_EQ(ts[1].column, 4);
}

TEST(Lexer, UnknownEscapeIsAnError) {
  std::string err;
  auto ts = lexAll("x := 'ab\\qc'", &err);
  ASSERT_EQ(ts.back().kind, Tok::Error);
  EXPECT_NE(err.find("escape"), std::string::npos) << err;
  EXPECT_NE(err.find("\\q"), std::string::npos) << err;
  // Positioned at the backslash.
  EXPECT_EQ(ts.back().line, 1);
  EXPECT_EQ(ts.back().column, 9);
}

TEST(Lexer, UnterminatedStringReportsItsStart) {
  std::string err;
  auto ts = lexAll("foo\n  bar 'abc\n\ndef", &err);
  ASSERT_EQ(ts.back().kind, Tok::Error);
  EXPECT_NE(err.find("unterminated string"), std::string::npos) << err;
  EXPECT_EQ(ts.back().line, 2);
  EXPECT_EQ(ts.back().column, 7);
}

TEST(Lexer, UnterminatedStringAfterBackslash) {
  std::string err;
  auto ts = lexAll("'abc\\", &err);
  ASSERT_EQ(ts.back().kind, Tok::Error);
}

TEST(Lexer, UnterminatedCommentReportsItsStart) {
  std::string err;
  auto ts = lexAll("a\nb \"never\nclosed", &err);
  ASSERT_EQ(ts.back().kind, Tok::Error);
  EXPECT_NE(err.find("unterminated comment"), std::string::npos) << err;
  EXPECT_EQ(ts.back().line, 2);
  EXPECT_EQ(ts.back().column, 3);
  // The tokens before it were delivered normally.
  ASSERT_EQ(ts.size(), 3u);
  EXPECT_EQ(ts[0].text, "a");
  EXPECT_EQ(ts[1].text, "b");
}

TEST(Lexer, CommentsAnywhere) {
  EXPECT_EQ(texts("\"lead\" a \"mid\" at:\"x\"1 \"two\" \"comments\"+\"\"b \"tail\""),
            (std::vector<std::string>{"a", "at:", "1", "+", "b"}));
  // A comment may span lines and contain quotes of the other kind.
  EXPECT_EQ(texts("x \"it's\nmulti-line\" y"), (std::vector<std::string>{"x", "y"}));
  // Only comments: End.
  EXPECT_EQ(kinds("\"just a comment\""), (std::vector<Tok>{Tok::End}));
}

TEST(Lexer, CommentSeparatesOperators) {
  // A comment ends an operator run: `<"c"=` is two operators.
  auto ts = lexAll("<\"c\"=");
  ASSERT_EQ(ts.size(), 3u);
  EXPECT_EQ(ts[0].text, "<");
  EXPECT_EQ(ts[1].text, "=");
}

TEST(Lexer, Punctuation) {
  EXPECT_EQ(kinds("( ) [ ] . ^ : :="),
            (std::vector<Tok>{Tok::LParen, Tok::RParen, Tok::LBracket, Tok::RBracket, Tok::Period,
                              Tok::Caret, Tok::Colon, Tok::Assign, Tok::End}));
}

TEST(Lexer, UnexpectedCharacterIsAnError) {
  std::string err;
  auto ts = lexAll("a ; b", &err);
  ASSERT_EQ(ts.back().kind, Tok::Error);
  EXPECT_NE(err.find(";"), std::string::npos) << err;
  EXPECT_EQ(ts.back().column, 3);
}

TEST(Lexer, LineAndColumnTracking) {
  auto ts = lexAll("Foo = (\n  bar = ( ^ 1 )\n\n\tbaz: x = ( )\n)");
  // Foo(1:1) =(1:5) ((1:7) bar(2:3) =(2:7) ((2:9) ^(2:11) 1(2:13) )(2:15)
  // baz:(4:2) x(4:7) =(4:9) ((4:11) )(4:13) )(5:1) End(5:2)
  struct P { Tok k; int line, col; };
  std::vector<P> expected = {
      {Tok::Identifier, 1, 1}, {Tok::OperatorSeq, 1, 5}, {Tok::LParen, 1, 7},
      {Tok::Identifier, 2, 3}, {Tok::OperatorSeq, 2, 7}, {Tok::LParen, 2, 9},
      {Tok::Caret, 2, 11},     {Tok::Integer, 2, 13},    {Tok::RParen, 2, 15},
      {Tok::Keyword, 4, 2},    {Tok::Identifier, 4, 7},  {Tok::OperatorSeq, 4, 9},
      {Tok::LParen, 4, 11},    {Tok::RParen, 4, 13},     {Tok::RParen, 5, 1},
      {Tok::End, 5, 2},
  };
  ASSERT_EQ(ts.size(), expected.size());
  for (size_t i = 0; i < expected.size(); i++) {
    EXPECT_EQ(ts[i].kind, expected[i].k) << "token " << i;
    EXPECT_EQ(ts[i].line, expected[i].line) << "token " << i << " '" << ts[i].text << "'";
    EXPECT_EQ(ts[i].column, expected[i].col) << "token " << i << " '" << ts[i].text << "'";
  }
}

TEST(Lexer, PositionsAfterCommentsAndStrings) {
  auto ts = lexAll("\"one\ntwo\" x 'a\nbc' y");
  ASSERT_EQ(ts.size(), 4u);
  EXPECT_EQ(ts[0].line, 2);
  EXPECT_EQ(ts[0].column, 6);
  EXPECT_EQ(ts[1].line, 2);  // the string token is positioned at its opening quote
  EXPECT_EQ(ts[1].column, 8);
  EXPECT_EQ(ts[2].line, 3);
  EXPECT_EQ(ts[2].column, 5);
}
