using Xunit;

namespace TuneOperator.Api.Tests.Schema;

public sealed class CelEvaluationTests
{
    [Theory]
    [InlineData("1.0 + 1", "no such overload: _+_(double, int)")]
    [InlineData("1 + 1u", "no such overload: _+_(int, uint)")]
    [InlineData("2 * 0.5", "no such overload: _*_(int, double)")]
    [InlineData("1 == 1.0", "no such overload: _==_(int, double)")]
    [InlineData("1 < 2.0", "no such overload: _<_(int, double)")]
    [InlineData("1u >= 0", "no such overload: _>=_(uint, int)")]
    [InlineData("'a' + 1", "no such overload: _+_(string, int)")]
    [InlineData("'a' < 1", "no such overload: _<_(string, int)")]
    [InlineData("-'a'", "no such overload: -_(string)")]
    [InlineData("!1", "no such overload: !_(int)")]
    [InlineData("1.5 % 1.0", "no such overload: _%_(double, double)")]
    public void Mixed_types_are_no_such_overload_errors(string expression, string expected) =>
        Assert.Equal(expected, Cel.Error(expression));

    [Theory]
    [InlineData("9223372036854775807 + 1", "integer overflow")]
    [InlineData("-9223372036854775808 - 1", "integer overflow")]
    [InlineData("-(-9223372036854775808)", "integer overflow")]
    [InlineData("4611686018427387904 * 2", "integer overflow")]
    [InlineData("0u - 1u", "integer overflow")]
    [InlineData("1 / 0", "division by zero")]
    [InlineData("1 % 0", "modulus by zero")]
    [InlineData("[1, 2][2]", "index out of bounds: 2")]
    [InlineData("{'a': 1}['b']", "no such key: b")]
    [InlineData("{'a': 1}.b", "no such key: b")]
    [InlineData("{'a': 1, 'a': 2}", "repeated key")]
    [InlineData("unknownVar", "undeclared reference to 'unknownVar'")]
    [InlineData("'abc'.nope()", "undeclared reference to 'nope'")]
    [InlineData("1 ? 2 : 3", "no such overload: _?_:_(int)")]
    public void Runtime_errors(string expression, string expected) =>
        Assert.Contains(expected, Cel.Error(expression), StringComparison.Ordinal);

    [Theory]
    [InlineData("7 / 2", 3L)]
    [InlineData("-7 / 2", -3L)]
    [InlineData("-7 % 3", -1L)]
    [InlineData("5 - 8", -3L)]
    public void Integer_arithmetic_truncates(string expression, long expected) =>
        Assert.Equal(expected, Cel.Eval(expression));

    [Fact]
    public void Double_uint_string_bytes_and_list_arithmetic()
    {
        Assert.Equal(3.5, Cel.Eval("1.5 + 2.0"));
        Assert.Equal(double.PositiveInfinity, Cel.Eval("1.0 / 0.0"));
        Assert.Equal(7UL, Cel.Eval("10u - 3u"));
        Assert.Equal("ab", Cel.Eval("'a' + 'b'"));
        Assert.Equal(new byte[] { 1, 2 }, Cel.Eval("b'\\x01' + b'\\x02'"));
        Assert.Equal(new List<object?> { 1L, 2L, 3L }, Cel.Eval("[1] + [2, 3]"));
    }

    [Theory]
    // An error on one side is absorbed when the other side decides the result, in either order.
    [InlineData("false && (1 / 0 > 0)", false)]
    [InlineData("(1 / 0 > 0) && false", false)]
    [InlineData("true || (1 / 0 > 0)", true)]
    [InlineData("(1 / 0 > 0) || true", true)]
    [InlineData("{'a': 1}.b == 1 || true", true)]
    [InlineData("[1, 0].exists(x, 1 / x == 1)", true)]
    [InlineData("[0, 1].exists(x, 1 / x == 1)", true)]
    [InlineData("[0, 2].all(x, 1 / x == 1)", false)]
    [InlineData("[2, 0].all(x, 1 / x == 1)", false)]
    public void Errors_are_absorbed_by_and_or_all_exists(string expression, bool expected) =>
        Assert.Equal(expected, Cel.Eval(expression));

    [Theory]
    [InlineData("true && (1 / 0 > 0)", "division by zero")]
    [InlineData("(1 / 0 > 0) || false", "division by zero")]
    [InlineData("[1, 0].all(x, 1 / x == 1)", "division by zero")]
    [InlineData("[2, 0].exists(x, 1 / x == 1)", "division by zero")]
    [InlineData("[1, 0].exists_one(x, 1 / x == 1)", "division by zero")]
    [InlineData("[1, 0].map(x, 1 / x)", "division by zero")]
    [InlineData("[1, 0].filter(x, 1 / x == 1)", "division by zero")]
    [InlineData("1 && true", "no such overload: _&&_(int, bool)")]
    [InlineData("[1].all(x, x)", "no such overload")]
    [InlineData("5.all(x, true)", "cannot be range of a comprehension")]
    public void Errors_propagate_when_not_absorbed(string expression, string expected) =>
        Assert.Contains(expected, Cel.Error(expression), StringComparison.Ordinal);

    [Fact]
    public void Ternary_evaluates_only_the_chosen_branch()
    {
        Assert.Equal(1L, Cel.Eval("true ? 1 : 1 / 0"));
        Assert.Equal(2L, Cel.Eval("false ? 1 / 0 : 2"));
    }

    [Fact]
    public void Equality_across_types_and_containers()
    {
        Assert.Equal(true, Cel.Eval("[1, 'a', [true]] == [1, 'a', [true]]"));
        Assert.Equal(false, Cel.Eval("[1, 2] == [1, 2, 3]"));
        Assert.Equal(true, Cel.Eval("{'a': 1, 'b': 2} == {'b': 2, 'a': 1}"));
        Assert.Equal(false, Cel.Eval("{'a': 1} == {'a': 2}"));
        Assert.Equal(false, Cel.Eval("'1' == 1"));
        Assert.Equal(true, Cel.Eval("null == null"));
        Assert.Equal(false, Cel.Eval("1 == null"));
        Assert.Equal(true, Cel.Eval("1 != null"));
        Assert.Equal(true, Cel.Eval("b'ab' == b'ab'"));
        Assert.Equal(false, Cel.Eval("0.0 / 0.0 == 0.0 / 0.0"));
        Assert.Contains("no such overload", Cel.Error("[1] == [1.0]"), StringComparison.Ordinal);
    }

    [Fact]
    public void Ordering_of_strings_bools_bytes()
    {
        Assert.Equal(true, Cel.Eval("'abc' < 'abd'"));
        Assert.Equal(true, Cel.Eval("'B' < 'a'"));
        Assert.Equal(true, Cel.Eval("false < true"));
        Assert.Equal(true, Cel.Eval("b'a' < b'b'"));
        Assert.Equal(true, Cel.Eval("2u > 1u"));
        Assert.Equal(true, Cel.Eval("1.5 >= 1.5"));
    }

    [Fact]
    public void In_operator_on_lists_and_maps()
    {
        Assert.Equal(true, Cel.Eval("'b' in ['a', 'b']"));
        Assert.Equal(false, Cel.Eval("'c' in ['a', 'b']"));
        Assert.Equal(true, Cel.Eval("'a' in {'a': 1}"));
        Assert.Equal(false, Cel.Eval("1 in {'a': 1}"));
        Assert.Contains("no such overload", Cel.Error("'a' in 'abc'"), StringComparison.Ordinal);
    }

    [Fact]
    public void Maps_index_and_select()
    {
        Assert.Equal(2L, Cel.Eval("{'a': 1, 'b': 2}['b']"));
        Assert.Equal(2L, Cel.Eval("{'a': {'b': 2}}.a.b"));
        Assert.Equal("x", Cel.Eval("{1: 'x'}[1]"));
        Assert.Equal("y", Cel.Eval("{true: 'y'}[true]"));
        Assert.Equal(3L, Cel.Eval("[1, 2, 3][2u]"));
        Assert.Contains("unsupported map key type", Cel.Error("{1.5: 'x'}"), StringComparison.Ordinal);
    }

    [Fact]
    public void Macros()
    {
        Assert.Equal(true, Cel.Eval("[1, 2, 3].all(x, x > 0)"));
        Assert.Equal(false, Cel.Eval("[1, 2, 3].all(x, x > 1)"));
        Assert.Equal(true, Cel.Eval("[].all(x, x > 1)"));
        Assert.Equal(false, Cel.Eval("[].exists(x, x > 1)"));
        Assert.Equal(true, Cel.Eval("[1, 2, 3].exists(x, x == 2)"));
        Assert.Equal(true, Cel.Eval("[1, 2, 3].exists_one(x, x > 2)"));
        Assert.Equal(false, Cel.Eval("[1, 2, 3].exists_one(x, x > 1)"));
        Assert.Equal(new List<object?> { 2L, 4L, 6L }, Cel.Eval("[1, 2, 3].map(x, x * 2)"));
        Assert.Equal(new List<object?> { 4L, 6L }, Cel.Eval("[1, 2, 3].map(x, x > 1, x * 2)"));
        Assert.Equal(new List<object?> { 1L, 3L }, Cel.Eval("[1, 2, 3].filter(x, x % 2 == 1)"));
        Assert.Equal(true, Cel.Eval("{'a': 1, 'b': 2}.all(k, k in ['a', 'b'])"));
        Assert.Equal(new List<object?> { "b" }, Cel.Eval("{'a': 1, 'b': 2}.filter(k, k > 'a')"));
        Assert.Equal(true, Cel.Eval("[[1, 2], [3]].all(l, l.all(x, x > 0))"));
        Assert.Equal(true, Cel.Eval("[1, 2].exists(x, [3, 4].exists(y, x + y == 6))"));
    }

    [Fact]
    public void Has_tests_presence_without_reading_the_value()
    {
        const string schema = """{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"object","properties":{"c":{"type":"string"}}}}}""";
        Assert.Equal(true, Cel.Eval("has(self.a)", """{"a": 1}""", schema));
        Assert.Equal(false, Cel.Eval("has(self.a)", """{}""", schema));
        Assert.Equal(true, Cel.Eval("has(self.b.c)", """{"b": {"c": "x"}}""", schema));
        Assert.Equal(false, Cel.Eval("has(self.b) && has(self.b.c)", """{}""", schema));
        Assert.Equal(true, Cel.Eval("!has(self.a) || self.a > 0", """{}""", schema));
        Assert.Contains("no such key: a", Cel.Error("self.a > 0", """{}""", schema), StringComparison.Ordinal);
        Assert.Contains("no such key: b", Cel.Error("has(self.b.c)", """{}""", schema), StringComparison.Ordinal);
        Assert.Equal(true, Cel.Eval("has({'k': 1}.k)"));
    }

    [Fact]
    public void String_functions()
    {
        Assert.Equal(5L, Cel.Eval("size('héllo')"));
        Assert.Equal(5L, Cel.Eval("'héllo'.size()"));
        Assert.Equal(true, Cel.Eval("'hello'.startsWith('he') && 'hello'.endsWith('lo') && 'hello'.contains('ell')"));
        Assert.Equal(true, Cel.Eval("'abc-123'.matches('^[a-z]+-[0-9]+$')"));
        Assert.Equal(true, Cel.Eval("matches('abc', 'b')"));
        Assert.Equal(false, Cel.Eval("'abc\\n'.matches('^abc$')"));
        Assert.Equal(true, Cel.Eval("'ab'.matches('(?P<first>a)b')"));
        Assert.Equal(true, Cel.Eval("'AB'.matches('(?i)ab')"));
        Assert.Equal(true, Cel.Eval("'a1_'.matches('^\\\\w\\\\d[\\\\w]$')"));
        Assert.Equal(false, Cel.Eval("'\u0663'.matches('^\\\\d$')"));
        Assert.Equal(false, Cel.Eval("'\u00e9'.matches('^\\\\w$')"));
        Assert.Equal(true, Cel.Eval("'a b'.matches('^\\\\S\\\\s\\\\S$')"));
        Assert.Contains("invalid regular expression", Cel.Error("'aa'.matches('(a)\\\\1')"), StringComparison.Ordinal);
        Assert.Contains("invalid regular expression", Cel.Error("'a'.matches('(?=a)')"), StringComparison.Ordinal);
        Assert.Equal("hello world", Cel.Eval("'HeLLo WoRLD'.lowerAscii()"));
        Assert.Equal("ÉA", Cel.Eval("'Éa'.upperAscii()"));
        Assert.Equal("x y", Cel.Eval("'  x y \\t'.trim()"));
        Assert.Equal(new List<object?> { "a", "b", "c" }, Cel.Eval("'a,b,c'.split(',')"));
        Assert.Equal(new List<object?> { "a", "b,c" }, Cel.Eval("'a,b,c'.split(',', 2)"));
        Assert.Equal(new List<object?>(), Cel.Eval("'a,b'.split(',', 0)"));
        Assert.Equal("a-b", Cel.Eval("['a', 'b'].join('-')"));
        Assert.Equal("ab", Cel.Eval("['a', 'b'].join()"));
        Assert.Equal("x.y.z", Cel.Eval("'x-y-z'.replace('-', '.')"));
        Assert.Equal("x.y-z", Cel.Eval("'x-y-z'.replace('-', '.', 1)"));
        Assert.Equal("llo", Cel.Eval("'hello'.substring(2)"));
        Assert.Equal("el", Cel.Eval("'hello'.substring(1, 3)"));
        Assert.Contains("index out of range", Cel.Error("'hello'.substring(6)"), StringComparison.Ordinal);
        Assert.Contains("invalid substring range", Cel.Error("'hello'.substring(3, 1)"), StringComparison.Ordinal);
        Assert.Equal(2L, Cel.Eval("'hello'.indexOf('l')"));
        Assert.Equal(3L, Cel.Eval("'hello'.lastIndexOf('l')"));
        Assert.Equal(-1L, Cel.Eval("'hello'.indexOf('z')"));
        Assert.Equal(3L, Cel.Eval("'hello'.indexOf('l', 3)"));
        Assert.Equal("e", Cel.Eval("'hello'.charAt(1)"));
        Assert.Contains("no such overload: join", Cel.Error("[1, 2].join()"), StringComparison.Ordinal);
    }

    [Fact]
    public void List_library()
    {
        Assert.Equal(true, Cel.Eval("[1, 2, 2, 5].isSorted()"));
        Assert.Equal(false, Cel.Eval("['b', 'a'].isSorted()"));
        Assert.Equal(6L, Cel.Eval("[1, 2, 3].sum()"));
        Assert.Equal(0L, Cel.Eval("[].sum()"));
        Assert.Equal(4.5, Cel.Eval("[1.5, 3.0].sum()"));
        Assert.Equal(1L, Cel.Eval("[3, 1, 2].min()"));
        Assert.Equal("c", Cel.Eval("['a', 'c', 'b'].max()"));
        Assert.Equal(1L, Cel.Eval("['a', 'b', 'a'].indexOf('b')"));
        Assert.Equal(2L, Cel.Eval("['a', 'b', 'a'].lastIndexOf('a')"));
        Assert.Equal(-1L, Cel.Eval("['a'].indexOf('z')"));
        Assert.Contains("min called on empty list", Cel.Error("[].min()"), StringComparison.Ordinal);
        Assert.Contains("no such overload", Cel.Error("[1, 2.0].sum()"), StringComparison.Ordinal);
        Assert.Contains("no such overload", Cel.Error("[1, 'a'].max()"), StringComparison.Ordinal);
    }

    [Fact]
    public void Conversions_and_types()
    {
        Assert.Equal(3L, Cel.Eval("int(3.9)"));
        Assert.Equal(-3L, Cel.Eval("int(-3.9)"));
        Assert.Equal(42L, Cel.Eval("int('42')"));
        Assert.Equal(7L, Cel.Eval("int(7u)"));
        Assert.Equal(7UL, Cel.Eval("uint(7)"));
        Assert.Equal(2.0, Cel.Eval("double(2)"));
        Assert.Equal(0.5, Cel.Eval("double('0.5')"));
        Assert.Equal("12", Cel.Eval("string(12)"));
        Assert.Equal("1.5", Cel.Eval("string(1.5)"));
        Assert.Equal("true", Cel.Eval("string(true)"));
        Assert.Equal("ab", Cel.Eval("string(b'ab')"));
        Assert.Equal(true, Cel.Eval("double(1) + 1.0 == 2.0"));
        Assert.Contains("range error", Cel.Error("uint(-1)"), StringComparison.Ordinal);
        Assert.Contains("range error", Cel.Error("int(1e300)"), StringComparison.Ordinal);
        Assert.Contains("type conversion error", Cel.Error("int('x')"), StringComparison.Ordinal);
        Assert.Equal("int", Cel.Eval("type(1)"));
        Assert.Equal(true, Cel.Eval("type(1) == int && type('a') == string && type(1.0) == double && type([]) == list"));
        Assert.Equal(true, Cel.Eval("type({}) == map && type(null) == null_type && type(1u) == uint && type(int) == type"));
        Assert.Equal(false, Cel.Eval("type(1) == string"));
    }

    [Fact]
    public void Durations_and_timestamps()
    {
        Assert.Equal(TimeSpan.FromMinutes(90), Cel.Eval("duration('1h30m')"));
        Assert.Equal(TimeSpan.FromMilliseconds(-1500), Cel.Eval("duration('-1.5s')"));
        Assert.Equal(true, Cel.Eval("duration('1h') > duration('59m')"));
        Assert.Equal(90L, Cel.Eval("duration('1h30m').getMinutes()"));
        Assert.Equal("5400s", Cel.Eval("string(duration('1h30m'))"));
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), Cel.Eval("timestamp('2024-01-02T03:04:05Z')"));
        Assert.Equal(true, Cel.Eval("timestamp('2024-01-02T03:04:05Z') + duration('1h') == timestamp('2024-01-02T04:04:05Z')"));
        Assert.Equal(TimeSpan.FromDays(1), Cel.Eval("timestamp('2024-01-02T00:00:00Z') - timestamp('2024-01-01T00:00:00Z')"));
        Assert.Equal(2024L, Cel.Eval("timestamp('2024-01-02T03:04:05+02:00').getFullYear()"));
        Assert.Equal(1L, Cel.Eval("timestamp('2024-01-02T03:04:05+02:00').getHours()"));
        Assert.Equal("2024-01-02T03:04:05Z", Cel.Eval("string(timestamp('2024-01-02T03:04:05Z'))"));
        Assert.Equal(1704164645L, Cel.Eval("int(timestamp('2024-01-02T03:04:05Z'))"));
        Assert.Contains("invalid duration", Cel.Error("duration('1 hour')"), StringComparison.Ordinal);
        Assert.Contains("invalid timestamp", Cel.Error("timestamp('2024-01-02')"), StringComparison.Ordinal);
    }
}
