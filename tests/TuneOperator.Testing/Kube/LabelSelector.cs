namespace TuneOperator.Testing.Kube;

/// <summary>
/// A parsed label selector in the query-string syntax kube-apiserver accepts:
/// <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a in (x,y)</c>, <c>a notin (x,y)</c>, <c>a</c> (exists) and <c>!a</c> (does not exist),
/// joined by commas (all must hold).
/// </summary>
public sealed class LabelSelector
{
    private readonly List<Requirement> _requirements;

    private LabelSelector(List<Requirement> requirements) => _requirements = requirements;

    /// <summary>A selector that matches everything.</summary>
    public static LabelSelector Everything { get; } = new([]);

    /// <summary>Whether the selector matches every object.</summary>
    public bool IsEmpty => _requirements.Count == 0;

    /// <summary>Parses a selector; throws a 400 BadRequest <see cref="KubeApiException"/> on bad syntax.</summary>
    /// <param name="text">The selector, e.g. <c>app=web,tier notin (db)</c>; null or empty matches everything.</param>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<Requirement>();
        foreach (var part in SplitTopLevel(text))
        {
            requirements.Add(ParseRequirement(part.Trim(), text));
        }

        return new LabelSelector(requirements);
    }

    /// <summary>Whether the labels satisfy every requirement.</summary>
    /// <param name="labels">The object's labels; null means none.</param>
    public bool Matches(IReadOnlyDictionary<string, string>? labels)
    {
        foreach (var requirement in _requirements)
        {
            string? value = null;
            var has = labels is not null && labels.TryGetValue(requirement.Key, out value);
            var ok = requirement.Operator switch
            {
                Op.Equals => has && requirement.Values.Contains(value!),
                Op.NotEquals => !has || !requirement.Values.Contains(value!),
                Op.In => has && requirement.Values.Contains(value!),
                Op.NotIn => !has || !requirement.Values.Contains(value!),
                Op.Exists => has,
                Op.DoesNotExist => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..];
    }

    private static Requirement ParseRequirement(string part, string whole)
    {
        if (part.Length == 0)
        {
            throw Bad(whole, "empty requirement");
        }

        if (part.StartsWith('!'))
        {
            return new Requirement(CheckKey(part[1..].Trim(), whole), Op.DoesNotExist, []);
        }

        var notEquals = part.IndexOf("!=", StringComparison.Ordinal);
        if (notEquals > 0)
        {
            return new Requirement(CheckKey(part[..notEquals].Trim(), whole), Op.NotEquals, [part[(notEquals + 2)..].Trim()]);
        }

        var equals = part.IndexOf('=', StringComparison.Ordinal);
        if (equals > 0)
        {
            var valueStart = part.Length > equals + 1 && part[equals + 1] == '=' ? equals + 2 : equals + 1;
            return new Requirement(CheckKey(part[..equals].Trim(), whole), Op.Equals, [part[valueStart..].Trim()]);
        }

        var words = part.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 1)
        {
            return new Requirement(CheckKey(words[0], whole), Op.Exists, []);
        }

        var rest = words[1];
        Op op;
        if (rest.StartsWith("notin", StringComparison.Ordinal))
        {
            op = Op.NotIn;
            rest = rest[5..].Trim();
        }
        else if (rest.StartsWith("in", StringComparison.Ordinal))
        {
            op = Op.In;
            rest = rest[2..].Trim();
        }
        else
        {
            throw Bad(whole, $"unknown operator in '{part}'");
        }

        if (!rest.StartsWith('(') || !rest.EndsWith(')'))
        {
            throw Bad(whole, $"expected a parenthesised value list in '{part}'");
        }

        var values = rest[1..^1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return new Requirement(CheckKey(words[0], whole), op, [.. values]);
    }

    private static string CheckKey(string key, string whole) =>
        key.Length == 0 || key.Contains(' ', StringComparison.Ordinal) ? throw Bad(whole, $"invalid label key '{key}'") : key;

    private static KubeApiException Bad(string selector, string why) =>
        KubeApiException.BadRequest($"unable to parse requirement: labelSelector \"{selector}\": {why}");

    private enum Op
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
    }

    private sealed record Requirement(string Key, Op Operator, HashSet<string> Values);
}
