using System.Text.Json.Nodes;

namespace TuneOperator.Testing.Kube;

/// <summary>
/// A parsed field selector (<c>=</c>, <c>==</c>, <c>!=</c>, comma-joined) over the fields kube-apiserver indexes:
/// <c>metadata.name</c> and <c>metadata.namespace</c> for every kind, plus <c>status.phase</c> and <c>spec.nodeName</c>
/// (Pods) and <c>involvedObject.*</c>, <c>reason</c> and <c>type</c> (Events). Any other field is a 400 BadRequest.
/// </summary>
public sealed class FieldSelector
{
    private static readonly HashSet<string> Supported =
    [
        "metadata.name", "metadata.namespace", "status.phase", "spec.nodeName", "spec.schedulerName", "spec.serviceAccountName",
        "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "type", "source",
        "regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid",
    ];

    private readonly List<(string Field, bool Equal, string Value)> _terms;

    private FieldSelector(List<(string, bool, string)> terms) => _terms = terms;

    /// <summary>A selector that matches everything.</summary>
    public static FieldSelector Everything { get; } = new([]);

    /// <summary>Whether the selector matches every object.</summary>
    public bool IsEmpty => _terms.Count == 0;

    /// <summary>Whether the selector needs more than the object's name and namespace.</summary>
    internal bool NeedsBody => _terms.Any(t => t.Field is not ("metadata.name" or "metadata.namespace"));

    /// <summary>Parses a selector; throws a 400 BadRequest <see cref="KubeApiException"/> for bad syntax or an unsupported field.</summary>
    /// <param name="text">The selector, e.g. <c>status.phase!=Running</c>; null or empty matches everything.</param>
    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var terms = new List<(string, bool, string)>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            var notEquals = part.IndexOf("!=", StringComparison.Ordinal);
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            string field;
            string value;
            bool equal;
            if (notEquals > 0)
            {
                (field, value, equal) = (part[..notEquals], part[(notEquals + 2)..], false);
            }
            else if (equals > 0)
            {
                var valueStart = part.Length > equals + 1 && part[equals + 1] == '=' ? equals + 2 : equals + 1;
                (field, value, equal) = (part[..equals], part[valueStart..], true);
            }
            else
            {
                throw KubeApiException.BadRequest($"invalid field selector \"{text}\": '{part}' needs =, == or !=");
            }

            field = field.Trim();
            if (!Supported.Contains(field))
            {
                throw KubeApiException.BadRequest($"field label not supported: {field}");
            }

            terms.Add((field, equal, value.Trim()));
        }

        return new FieldSelector(terms);
    }

    /// <summary>Whether the object satisfies every term.</summary>
    /// <param name="name">The object's name.</param>
    /// <param name="ns">The object's namespace, empty for cluster-scoped objects.</param>
    /// <param name="body">The object, needed only when <see cref="NeedsBody"/>.</param>
    public bool Matches(string name, string ns, Func<JsonObject> body)
    {
        JsonObject? obj = null;
        foreach (var (field, equal, value) in _terms)
        {
            string actual;
            switch (field)
            {
                case "metadata.name":
                    actual = name;
                    break;
                case "metadata.namespace":
                    actual = ns;
                    break;
                default:
                    obj ??= body();
                    actual = Lookup(obj, field);
                    break;
            }

            if ((actual == value) != equal)
            {
                return false;
            }
        }

        return true;
    }

    private static string Lookup(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var segment in path.Split('.'))
        {
            node = node is JsonObject o ? o[segment] : null;
        }

        return node switch
        {
            null => "",
            JsonValue v when v.TryGetValue(out string? s) => s ?? "",
            JsonObject o when path == "source" => o["component"]?.GetValue<string>() ?? "",
            _ => node.ToJsonString(),
        };
    }
}
