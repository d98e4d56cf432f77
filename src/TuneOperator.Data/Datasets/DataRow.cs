using System.Text;

namespace TuneOperator.Data.Datasets;

/// <summary>One parsed, trimmed row of a dataset, before rendering and tokenisation.</summary>
public abstract record DataRow
{
    /// <summary>True when the row has nothing to learn from (its required text is empty).</summary>
    public abstract bool IsEmpty { get; }

    /// <summary>
    /// The row's identity for de-duplication: its fields with whitespace runs collapsed to one space, case kept.
    /// </summary>
    public string NormalizedKey() => string.Join('\u001f', KeyFields().Select(Normalize));

    /// <summary>The row's fields joined as they are: two rows differing only in whitespace have different exact keys.</summary>
    public string ExactKey() => string.Join('\u001f', KeyFields());

    /// <summary>A tag of the row's kind followed by its fields, in a fixed order.</summary>
    protected abstract IEnumerable<string?> KeyFields();

    /// <summary>Collapses whitespace runs to single spaces and trims.</summary>
    protected static string Normalize(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }
}
