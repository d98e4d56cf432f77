using Xunit;

namespace TuneOperator.Api.Tests.Schema;

public sealed class CelParserTests
{
    [Theory]
    [InlineData("1 + 2 * 3", 7L)]
    [InlineData("(1 + 2) * 3", 9L)]
    [InlineData("10 - 4 - 3", 3L)]
    [InlineData("100 / 10 / 5", 2L)]
    [InlineData("7 % 4 * 2", 6L)]
    [InlineData("-2 * 3", -6L)]
    [InlineData("- -3", 3L)]
    [InlineData("-9223372036854775808", long.MinValue)]
    [InlineData("0x1F", 31L)]
    public void Arithmetic_precedence_and_int_literals(string expression, long expected) =>
        Assert.Equal(expected, Cel.Eval(expression));

    [Theory]
    [InlineData("true || false && false", true)]
    [InlineData("(true || false) && false", false)]
    [InlineData("!true || true", true)]
    [InlineData("!!true", true)]
    [InlineData("1 + 1 == 2 && 3 > 2", true)]
    [InlineData("1 < 2 == true", true)]
    [InlineData("2 in [1, 2] && !(3 in [1, 2])", true)]
    [InlineData("true ? false : true ? true : true", false)]
    [InlineData("false ? 1 == 1 : 2 > 3 || true", true)]
    [InlineData("false || true ? false : true", false)]
    public void Logical_relational_and_ternary_precedence(string expression, bool expected) =>
        Assert.Equal(expected, Cel.Eval(expression));

    [Fact]
    public void Literals_of_every_kind_are_decoded()
    {
        Assert.Equal(3UL, Cel.Eval("3u"));
        Assert.Equal(255UL, Cel.Eval("0xFFu"));
        Assert.Equal(1.5, Cel.Eval("1.5"));
        Assert.Equal(1e3, Cel.Eval("1e3"));
        Assert.Equal(0.25, Cel.Eval(".25"));
        Assert.Equal(2.5e-2, Cel.Eval("2.5E-2"));
        Assert.Null(Cel.Eval("null"));
        Assert.Equal(true, Cel.Eval("true"));
        Assert.Equal("a\"b", Cel.Eval("'a\"b'"));
        Assert.Equal("it's", Cel.Eval("\"it's\""));
        Assert.Equal("tab\there\n", Cel.Eval("'tab\\there\\n'"));
        Assert.Equal("A\u00e9\U0001F600", Cel.Eval("'\\x41\\u00e9\\U0001F600'"));
        Assert.Equal("A", Cel.Eval("'\\101'"));
        Assert.Equal("\\d+\\n", Cel.Eval("r'\\d+\\n'"));
        Assert.Equal("\\w", Cel.Eval("R\"\\w\""));
        Assert.Equal("line1\nline2 'quoted' ", Cel.Eval("'''line1\nline2 'quoted' '''"));
        Assert.Equal("a \"b\" c", Cel.Eval("\"\"\"a \"b\" c\"\"\""));
        Assert.Equal(new byte[] { 0x61, 0xFF }, Cel.Eval("b'a\\xff'"));
        Assert.Equal(new byte[] { 0xC3, 0xA9 }, Cel.Eval("b'é'"));
        Assert.Equal(new byte[] { 0x5C, 0x78 }, Cel.Eval("rb'\\x'"));
    }

    [Fact]
    public void Comments_whitespace_and_trailing_commas_are_allowed()
    {
        Assert.Equal(3L, Cel.Eval("// a comment\n size([1, 2, 3,]) // another"));
        Assert.Equal(1L, Cel.Eval("{'a': 1,}['a']"));
    }

    [Theory]
    [InlineData("1 +", "unexpected end")]
    [InlineData("(1 + 2", "expected ')'")]
    [InlineData("self.", "expected an identifier")]
    [InlineData("'unterminated", "unterminated string")]
    [InlineData("'line\nbreak'", "newline")]
    [InlineData("1 = 1", "'=='")]
    [InlineData("a.b(", "unexpected end")]
    [InlineData("9223372036854775808", "out of range")]
    [InlineData("18446744073709551616u", "out of range")]
    [InlineData("'\\q'", "invalid escape")]
    [InlineData("b'\\u00e9'", "not allowed in bytes")]
    [InlineData("has(self)", "has()")]
    [InlineData("[1, 2].all(1, true)", "simple identifier")]
    [InlineData("self.if", "reserved identifier")]
    [InlineData("1 2", "unexpected '2'")]
    [InlineData("#", "unexpected character")]
    public void Syntax_errors_are_reported_with_a_reason(string expression, string expected)
    {
        var error = Cel.ParseError(expression);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_a_syntax_error_not_a_crash()
    {
        Assert.Contains("nested too deeply", Cel.ParseError(new string('!', 5000) + "true").Message, StringComparison.Ordinal);
        Assert.Contains("nested too deeply", Cel.ParseError(new string('(', 5000) + "1" + new string(')', 5000)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_errors_carry_the_offset()
    {
        var error = Cel.ParseError("self.a + * 2");
        Assert.Equal(9, error.Position);
    }
}
