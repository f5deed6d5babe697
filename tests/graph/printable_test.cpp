// printable(): how names and messages quoted from the input are shown on one line.
#include <gtest/gtest.h>

#include <string>

#include "hwnas/base/error.h"
#include "hwnas/base/printable.h"

namespace hwnas {
namespace {

using namespace std::string_literals;

TEST(Printable, EscapesControlsAndKeepsText) {
  EXPECT_EQ(printable("features.0.conv"), "features.0.conv");
  EXPECT_EQ(printable("a\0b"s), "a\\0b");
  EXPECT_EQ(printable("line\nbreak\r"), "line\\nbreak\\r");
  EXPECT_EQ(printable("tab\there"), "tab\\there");
  EXPECT_EQ(printable("\x1b[31mred\x7f\x01"), "\\x1b[31mred\\x7f\\x01");
  EXPECT_EQ(printable("back\\slash"), "back\\slash");  // kept: escaping twice changes nothing
  EXPECT_EQ(printable(printable("a\nb")), printable("a\nb"));
  // Valid UTF-8 is kept; C1 controls, line separators and bidi controls are \uXXXX.
  EXPECT_EQ(printable("caf\u00e9 \u5377 \U0001F600"), "caf\u00e9 \u5377 \U0001F600");
  EXPECT_EQ(printable("x\u202ey\u2028z\u0085w\u2066"), "x\\u202ey\\u2028z\\u0085w\\u2066");
}

TEST(Printable, EscapesBytesThatAreNotUtf8) {
  EXPECT_EQ(printable("raw\xff\xfe"), "raw\\xff\\xfe");
  EXPECT_EQ(printable("cut\xe5\x8d"), "cut\\xe5\\x8d");            // sequence cut short
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");                  // overlong '/'
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");         // a UTF-16 surrogate
  EXPECT_EQ(printable("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(printable("\x80ok"), "\\x80ok");                       // a lone continuation byte
  EXPECT_TRUE(is_valid_utf8("caf\u00e9 \U0001F600 a\nb"));
  EXPECT_FALSE(is_valid_utf8("raw\xff"));
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));
}

TEST(Printable, ShortensLongTextInTheMiddle) {
  const std::string name = std::string(300, 'n') + ".tail";
  const std::string shown = printable(name, 64);
  EXPECT_EQ(shown.size(), 64u);
  EXPECT_EQ(shown.substr(0, 31), std::string(31, 'n'));
  EXPECT_EQ(shown.substr(31, 3), "...");
  EXPECT_EQ(shown.substr(shown.size() - 5), ".tail");
  EXPECT_EQ(printable("short\n", 64), "short\\n");
  // Escape sequences are never cut in two.
  const std::string escapes(100, '\n');
  const std::string cut = printable(escapes, 21);
  EXPECT_EQ(cut, "\\n\\n\\n\\n...\\n\\n\\n\\n\\n") << cut;
  // Nor are multi-byte characters: the limit counts characters, not bytes.
  const std::string wide = printable(std::string(100, 'x') + "\u5377\u5377", 8);
  EXPECT_EQ(wide, "xxx...\u5377\u5377");
}

// Errors quote names through the same escapes, and a NUL no longer ends the message.
TEST(Printable, UserErrorMessagesAreOneWholeLine) {
  const UserError e("node 'x\0y\nz': bad"s);
  EXPECT_EQ(std::string(e.what()), "node 'x\\0y\\nz': bad");
}

}  // namespace
}  // namespace hwnas
