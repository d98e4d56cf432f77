using System.Text;

namespace TuneOperator.Testing.Schema;

// Runtime representation of CEL values:
//   null -> C# null, bool -> bool, int -> long, uint -> ulong, double -> double, string -> string,
//   bytes -> CelBytes, list -> IReadOnlyList<object?>, map / object -> CelMap, type -> CelType,
//   google.protobuf.Duration -> TimeSpan, google.protobuf.Timestamp -> DateTimeOffset, error -> CelError.

/// <summary>A CEL bytes value.</summary>
internal sealed class CelBytes(byte[] value) : IEquatable<CelBytes>
{
    public byte[] Value { get; } = value;

    public bool Equals(CelBytes? other) => other is not null && Value.AsSpan().SequenceEqual(other.Value);

    public override bool Equals(object? obj) => Equals(obj as CelBytes);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Value);
        return hash.ToHashCode();
    }

    public override string ToString() => "b\"" + Encoding.UTF8.GetString(Value) + "\"";
}

/// <summary>A CEL optional value: <c>oldSelf</c> of a rule with <c>optionalOldSelf: true</c>.</summary>
internal sealed record CelOptional(bool HasValue, object? Value)
{
    public static readonly CelOptional None = new(false, null);
}

/// <summary>A CEL type value, as returned by <c>type(x)</c> and named by identifiers such as <c>int</c>.</summary>
internal sealed record CelType(string Name)
{
    public static readonly CelType Int = new("int");
    public static readonly CelType Uint = new("uint");
    public static readonly CelType Double = new("double");
    public static readonly CelType Bool = new("bool");
    public static readonly CelType String = new("string");
    public static readonly CelType Bytes = new("bytes");
    public static readonly CelType List = new("list");
    public static readonly CelType Map = new("map");
    public static readonly CelType Null = new("null_type");
    public static readonly CelType Type = new("type");
    public static readonly CelType Duration = new("google.protobuf.Duration");
    public static readonly CelType Timestamp = new("google.protobuf.Timestamp");

    /// <summary>Type identifiers that are in scope in every expression.</summary>
    public static readonly IReadOnlyDictionary<string, CelType> Identifiers = new Dictionary<string, CelType>
    {
        ["int"] = Int,
        ["uint"] = Uint,
        ["double"] = Double,
        ["bool"] = Bool,
        ["string"] = String,
        ["bytes"] = Bytes,
        ["list"] = List,
        ["map"] = Map,
        ["null_type"] = Null,
        ["type"] = Type,
        ["google.protobuf.Duration"] = Duration,
        ["google.protobuf.Timestamp"] = Timestamp,
    };

    public override string ToString() => Name;
}

/// <summary>A CEL error value. Errors propagate through most operations; <c>&amp;&amp;</c>, <c>||</c> and the
/// <c>all</c>/<c>exists</c> macros absorb them when the other side decides the result.</summary>
internal sealed record CelError(string Message)
{
    public static CelError NoOverload(string function, params object?[] args) =>
        new($"no such overload: {function}({string.Join(", ", args.Select(a => CelValues.TypeOf(a).Name))})");
}

/// <summary>A CEL map (also used for schema objects). String keys are looked up by ordinal equality; numeric keys
/// by numeric value.</summary>
internal sealed class CelMap
{
    private readonly List<KeyValuePair<object, object?>> entries = [];

    public CelMap()
    {
    }

    public CelMap(IEnumerable<KeyValuePair<object, object?>> items)
    {
        foreach (var item in items)
        {
            entries.Add(item);
        }
    }

    public int Count => entries.Count;

    public IEnumerable<object> Keys => entries.Select(e => e.Key);

    public IReadOnlyList<KeyValuePair<object, object?>> Entries => entries;

    /// <summary>Adds an entry; returns false when the key is already present.</summary>
    public bool TryAdd(object key, object? value)
    {
        if (TryGet(key, out _))
        {
            return false;
        }

        entries.Add(new KeyValuePair<object, object?>(key, value));
        return true;
    }

    public bool TryGet(object key, out object? value)
    {
        foreach (var entry in entries)
        {
            if (KeyEquals(entry.Key, key))
            {
                value = entry.Value;
                return true;
            }
        }

        value = null;
        return false;
    }

    private static bool KeyEquals(object a, object b) => (a, b) switch
    {
        (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
        (long x, long y) => x == y,
        (ulong x, ulong y) => x == y,
        (long x, ulong y) => x >= 0 && (ulong)x == y,
        (ulong x, long y) => y >= 0 && x == (ulong)y,
        (bool x, bool y) => x == y,
        _ => false,
    };
}

/// <summary>Helpers over CEL values: type names, equality and display.</summary>
internal static class CelValues
{
    public static CelType TypeOf(object? value) => value switch
    {
        null => CelType.Null,
        bool => CelType.Bool,
        long => CelType.Int,
        ulong => CelType.Uint,
        double => CelType.Double,
        string => CelType.String,
        CelBytes => CelType.Bytes,
        IReadOnlyList<object?> => CelType.List,
        CelMap => CelType.Map,
        CelType => CelType.Type,
        TimeSpan => CelType.Duration,
        DateTimeOffset => CelType.Timestamp,
        CelOptional => new CelType("optional_type"),
        CelError => new CelType("error"),
        _ => new CelType(value.GetType().Name),
    };

    /// <summary>CEL equality. Mixed int/uint/double operands are an error (our rules stay portable to
    /// type-checked CEL, which rejects them); other mismatched types compare unequal, null equals only null.</summary>
    public static object Equal(object? a, object? b)
    {
        switch (a, b)
        {
            case (CelError e, _):
                return e;
            case (_, CelError e):
                return e;
            case (null, null):
                return true;
            case (null, _) or (_, null):
                return false;
            case (long x, long y):
                return x == y;
            case (ulong x, ulong y):
                return x == y;
            case (double x, double y):
                return x == y;
            case (long or ulong or double, long or ulong or double):
                return CelError.NoOverload("_==_", a, b);
            case (IReadOnlyList<object?> x, IReadOnlyList<object?> y):
                return ListEqual(x, y);
            case (CelOptional x, CelOptional y):
                return !x.HasValue || !y.HasValue ? x.HasValue == y.HasValue : Equal(x.Value, y.Value);
            case (CelMap x, CelMap y):
                return MapEqual(x, y);
            default:
                return TypeOf(a) == TypeOf(b) && a.Equals(b);
        }
    }

    private static object ListEqual(IReadOnlyList<object?> x, IReadOnlyList<object?> y)
    {
        if (x.Count != y.Count)
        {
            return false;
        }

        CelError? error = null;
        for (var i = 0; i < x.Count; i++)
        {
            var r = Equal(x[i], y[i]);
            if (r is false)
            {
                return false;
            }

            error ??= r as CelError;
        }

        return error ?? (object)true;
    }

    private static object MapEqual(CelMap x, CelMap y)
    {
        if (x.Count != y.Count)
        {
            return false;
        }

        CelError? error = null;
        foreach (var entry in x.Entries)
        {
            if (!y.TryGet(entry.Key, out var other))
            {
                return false;
            }

            var r = Equal(entry.Value, other);
            if (r is false)
            {
                return false;
            }

            error ??= r as CelError;
        }

        return error ?? (object)true;
    }
}
