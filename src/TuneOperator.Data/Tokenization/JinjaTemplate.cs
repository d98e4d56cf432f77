using System.Collections;

namespace TuneOperator.Data.Tokenization;

/// <summary>
/// A small Jinja interpreter for chat templates: if/elif/else, for (loop variable, loop filters, else), set (also on
/// namespace attributes), break/continue, filters, tests, Python string and dict methods, slicing, raise_exception.
/// Whitespace follows Jinja2 with trim_blocks and lstrip_blocks, as Hugging Face renders chat templates.
/// </summary>
public sealed class JinjaTemplate
{
    private readonly IReadOnlyList<JinjaNode> nodes;
    private readonly string source;

    private JinjaTemplate(IReadOnlyList<JinjaNode> nodes, string source)
    {
        this.nodes = nodes;
        this.source = source;
    }

    /// <summary>Parses a template; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="JinjaTemplateException">The template has a syntax error (the message gives line and column).</exception>
    public static JinjaTemplate Parse(string template, string source = "template")
    {
        ArgumentNullException.ThrowIfNull(template);
        var tokens = new JinjaLexer(template, source).Tokenize();
        return new JinjaTemplate(new JinjaParser(tokens, source).ParseTemplate(), source);
    }

    /// <summary>
    /// Renders the template. Variables may be strings, booleans, numbers, null, lists (any IEnumerable) and
    /// dictionaries with string keys (any IDictionary, or IReadOnlyDictionary&lt;string, T&gt;).
    /// </summary>
    /// <exception cref="JinjaTemplateException">Rendering failed (e.g. raise_exception); the message gives line and column.</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var globals = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, value) in variables)
        {
            globals[name] = Import(value);
        }

        return new JinjaInterpreter(source, globals).Render(nodes);
    }

    private static object? Import(object? value) => value switch
    {
        null => null,
        string or bool or long or double => value,
        int i => (long)i,
        float f => (double)f,
        decimal m => (double)m,
        IDictionary dictionary => ImportDictionary(dictionary.Keys.Cast<object>().Select(k => (k.ToString() ?? string.Empty, dictionary[k]))),
        IEnumerable<KeyValuePair<string, object?>> pairs => ImportDictionary(pairs.Select(p => (p.Key, p.Value))),
        IEnumerable<KeyValuePair<string, string>> pairs => ImportDictionary(pairs.Select(p => (p.Key, (object?)p.Value))),
        IEnumerable items => items.Cast<object?>().Select(Import).ToList(),
        ChatMessage message => ImportDictionary([("role", message.Role), ("content", message.Content)]),
        _ => value.ToString(),
    };

    private static Dictionary<string, object?> ImportDictionary(IEnumerable<(string Key, object? Value)> entries)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in entries)
        {
            result[key] = Import(value);
        }

        return result;
    }
}
