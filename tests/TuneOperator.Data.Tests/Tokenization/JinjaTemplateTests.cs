using TuneOperator.Data.Tokenization;
using Xunit;

namespace TuneOperator.Data.Tests.Tokenization;

public sealed class JinjaTemplateTests
{
    private static readonly Dictionary<string, object?> Messages = new()
    {
        ["messages"] = new List<object?>
        {
            new Dictionary<string, object?> { ["role"] = "system", ["content"] = " Be brief. " },
            new Dictionary<string, object?> { ["role"] = "user", ["content"] = "Hi" },
            new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = "Hello" },
        },
        ["bos_token"] = "<s>",
    };

    private static string Render(string template, Dictionary<string, object?>? variables = null) =>
        JinjaTemplate.Parse(template).Render(variables ?? Messages);

    [Theory]
    [InlineData("{% for m in messages %}{{ loop.index }}{{ m.role[0] }}{% if not loop.last %},{% endif %}{% endfor %}", "1s,2u,3a")]
    [InlineData("{% for m in messages[1:] %}{{ m['content'] }}{% endfor %}", "HiHello")]
    [InlineData("{% for m in messages[::-1] %}{{ m.role }} {% endfor %}", "assistant user system ")]
    [InlineData("{{ messages[0].content | trim }}|{{ messages | length }}|{{ messages[-1]['role'] | upper }}", "Be brief.|3|ASSISTANT")]
    [InlineData("{% set ns = namespace(count=0) %}{% for m in messages %}{% set ns.count = ns.count + 1 %}{% endfor %}{{ ns.count }}", "3")]
    [InlineData("{% set x = 1 %}{% for m in messages %}{% set x = 5 %}{% endfor %}{{ x }}", "1")]
    [InlineData("{{ 'a' ~ 1 ~ none }}|{{ 'a' + 'b' }}|{{ 7 // 2 }} {{ 7 % 3 }} {{ 7 / 2 }} {{ 2 ** 3 }}", "a1None|ab|3 1 3.5 8")]
    [InlineData("{{ undefined_name is defined }} {{ bos_token is defined }} {{ none is none }} {{ 3 is odd }}", "False True True True")]
    [InlineData("{{ 'x' if 1 > 2 else 'y' }}{{ 'z' if 'b' in 'abc' }}{{ 'q' if 'd' not in ['a'] }}", "yzq")]
    [InlineData("{{ '  a-b-c  '.strip().split('-') }} {{ 'abc'.startswith('ab') }} {{ 'abc'.endswith(('x', 'c')) }}", "['a', 'b', 'c'] True True")]
    [InlineData("{{ '\\n\\nx\\n'.lstrip('\\n') }}|{{ 'Hello World'.lower() }}|{{ 'hello world' | title }}", "x\n|hello world|Hello World")]
    [InlineData("{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(', ') }}", "Hi")]
    [InlineData("{{ {'a': 1, 'b': [true, none, 'x']} | tojson }}", "{\"a\": 1, \"b\": [true, null, \"x\"]}")]
    [InlineData("{{ missing | default('fallback') }} {{ '' | default('empty', true) }}", "fallback empty")]
    [InlineData("{% for i in range(5) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}", "02")]
    [InlineData("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}", "a=1;b=2;")]
    [InlineData("{% for x in [] %}x{% else %}empty{% endfor %}", "empty")]
    [InlineData("{% if false %}a{% elif messages %}b{% else %}c{% endif %}", "b")]
    [InlineData("{# a comment #}{{ \"double\" }} {{ 'it''s' }}", "double its")]
    public void Renders_the_constructs_real_templates_use(string template, string expected)
    {
        Assert.Equal(expected, Render(template));
    }

    [Fact]
    public void Whitespace_control_follows_trim_blocks_and_lstrip_blocks()
    {
        const string Template = "<start>\n  {% if true %}\n    yes\n  {% endif %}\n{{- ' trimmed ' -}}\n\n<end>";

        // Checked with Python's Jinja2 (trim_blocks and lstrip_blocks on).
        Assert.Equal("<start>\n    yes\n trimmed <end>", Render(Template));
    }

    [Fact]
    public void Raise_exception_reports_the_message_and_position()
    {
        var error = Assert.Throws<JinjaTemplateException>(() => Render("line one\n{% if true %}{{ raise_exception('bad roles') }}{% endif %}"));

        Assert.Equal(2, error.Line);
        Assert.Equal(17, error.Column);
        Assert.Contains("bad roles", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("template, line 2, column 17", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{% if x %}unclosed", "the template ended before {% endif %}")]
    [InlineData("{{ 'a' + }}", "unexpected '}}'")]
    [InlineData("{% macro m() %}{% endmacro %}", "the statement 'macro' is not supported")]
    [InlineData("{{ 'abc' | shout }}", "the filter 'shout' is not supported")]
    [InlineData("{{ 'abc'.shout() }}", "strings have no method 'shout'")]
    [InlineData("{{ nothing.field }}", "cannot read the attribute 'field' of an undefined value")]
    [InlineData("{{ 1 + 'a' }}", "cannot add an integer and a string")]
    public void Errors_name_the_problem_and_the_position(string template, string message)
    {
        var error = Assert.Throws<JinjaTemplateException>(() => Render(template));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Line);
        Assert.True(error.Column >= 1);
    }
}
