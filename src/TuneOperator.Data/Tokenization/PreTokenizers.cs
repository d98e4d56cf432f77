using System.Text.Json;
using System.Text.RegularExpressions;

namespace TuneOperator.Data.Tokenization;

/// <summary>A tokenizer.json pre-tokenizer: splits a normalized section into the words the model encodes.</summary>
internal abstract class PreTokenizer
{
    /// <summary>The GPT-2 word pattern used by ByteLevel with use_regex.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly Regex Gpt2Regex = new(Gpt2Pattern, RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>Splits one piece; <paramref name="sectionIndex"/> is the index of the text section between added tokens.</summary>
    public abstract void Split(string piece, int sectionIndex, List<string> output);

    public List<string> PreTokenize(string text, int sectionIndex)
    {
        var output = new List<string>();
        Split(text, sectionIndex, output);
        return output;
    }

    public static PreTokenizer? Create(JsonConfig config)
    {
        if (config.Element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return config.Type switch
        {
            "Sequence" => new SequencePreTokenizer([.. config.Items("pretokenizers").Select(Create).OfType<PreTokenizer>()]),
            "ByteLevel" => new ByteLevelPreTokenizer(config.GetBool("add_prefix_space", true), config.GetBool("use_regex", true) ? Gpt2Regex : null),
            "Split" => new SplitPreTokenizer(TextPattern.Create(config.Child("pattern")), ParseBehavior(config), config.GetBool("invert", false)),
            "Metaspace" => MetaspacePreTokenizer.FromConfig(config),
            "Digits" => new RegexMatchPreTokenizer(new Regex(config.GetBool("individual_digits", false) ? @"[^\d]+|\d" : @"[^\d]+|\d+", RegexOptions.CultureInvariant)),
            "Whitespace" => new RegexMatchPreTokenizer(new Regex(@"\w+|[^\w\s]+", RegexOptions.CultureInvariant)),
            "WhitespaceSplit" => new RegexMatchPreTokenizer(new Regex(@"\S+", RegexOptions.CultureInvariant)),
            _ => throw config.Unsupported("pre-tokenizer", "Sequence, ByteLevel, Split, Metaspace, Digits, Whitespace, WhitespaceSplit"),
        };
    }

    private static SplitBehavior ParseBehavior(JsonConfig config)
    {
        var behavior = config.GetString("behavior") ?? "Isolated";
        return behavior.ToLowerInvariant() switch
        {
            "removed" => SplitBehavior.Removed,
            "isolated" => SplitBehavior.Isolated,
            "mergedwithprevious" => SplitBehavior.MergedWithPrevious,
            "mergedwithnext" => SplitBehavior.MergedWithNext,
            "contiguous" => SplitBehavior.Contiguous,
            _ => throw config.Error($"the split behavior \"{behavior}\" is not one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous."),
        };
    }
}

internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

internal sealed class SequencePreTokenizer(IReadOnlyList<PreTokenizer> steps) : PreTokenizer
{
    public override void Split(string piece, int sectionIndex, List<string> output)
    {
        List<string> pieces = [piece];
        foreach (var step in steps)
        {
            var next = new List<string>(pieces.Count * 2);
            foreach (var current in pieces)
            {
                step.Split(current, sectionIndex, next);
            }

            pieces = next;
        }

        output.AddRange(pieces);
    }
}

internal sealed class ByteLevelPreTokenizer(bool addPrefixSpace, Regex? wordPattern) : PreTokenizer
{
    public override void Split(string piece, int sectionIndex, List<string> output)
    {
        if (addPrefixSpace && !piece.StartsWith(' '))
        {
            piece = " " + piece;
        }

        if (wordPattern is null)
        {
            output.Add(ByteLevelAlphabet.EncodeText(piece));
            return;
        }

        foreach (var match in wordPattern.EnumerateMatches(piece))
        {
            output.Add(ByteLevelAlphabet.EncodeText(piece.Substring(match.Index, match.Length)));
        }
    }
}

internal sealed class RegexMatchPreTokenizer(Regex pattern) : PreTokenizer
{
    public override void Split(string piece, int sectionIndex, List<string> output)
    {
        foreach (var match in pattern.EnumerateMatches(piece))
        {
            if (match.Length > 0)
            {
                output.Add(piece.Substring(match.Index, match.Length));
            }
        }
    }
}

internal sealed class SplitPreTokenizer(Regex pattern, SplitBehavior behavior, bool invert) : PreTokenizer
{
    public override void Split(string piece, int sectionIndex, List<string> output)
    {
        // Segments alternate between matches and the text between them; with invert the roles swap.
        var segments = new List<(string Text, bool Delimiter)>();
        var previous = 0;
        foreach (var match in pattern.EnumerateMatches(piece))
        {
            if (match.Length == 0)
            {
                continue;
            }

            if (match.Index > previous)
            {
                segments.Add((piece[previous..match.Index], invert));
            }

            segments.Add((piece.Substring(match.Index, match.Length), !invert));
            previous = match.Index + match.Length;
        }

        if (previous < piece.Length)
        {
            segments.Add((piece[previous..], invert));
        }

        switch (behavior)
        {
            case SplitBehavior.Removed:
                output.AddRange(segments.Where(s => !s.Delimiter).Select(s => s.Text));
                break;
            case SplitBehavior.Isolated:
                output.AddRange(segments.Select(s => s.Text));
                break;
            case SplitBehavior.MergedWithPrevious:
                MergeWithPrevious(segments, output);
                break;
            case SplitBehavior.MergedWithNext:
                MergeWithNext(segments, output);
                break;
            case SplitBehavior.Contiguous:
                MergeContiguous(segments, output);
                break;
        }
    }

    private static void MergeWithPrevious(List<(string Text, bool Delimiter)> segments, List<string> output)
    {
        var start = output.Count;
        foreach (var (text, delimiter) in segments)
        {
            if (delimiter && output.Count > start)
            {
                output[^1] += text;
            }
            else
            {
                output.Add(text);
            }
        }
    }

    private static void MergeWithNext(List<(string Text, bool Delimiter)> segments, List<string> output)
    {
        string? pending = null;
        foreach (var (text, delimiter) in segments)
        {
            if (delimiter)
            {
                if (pending is not null)
                {
                    output.Add(pending);
                }

                pending = text;
            }
            else
            {
                output.Add(pending + text);
                pending = null;
            }
        }

        if (pending is not null)
        {
            output.Add(pending);
        }
    }

    private static void MergeContiguous(List<(string Text, bool Delimiter)> segments, List<string> output)
    {
        var previousDelimiter = false;
        var start = output.Count;
        foreach (var (text, delimiter) in segments)
        {
            if (delimiter && previousDelimiter && output.Count > start)
            {
                output[^1] += text;
            }
            else
            {
                output.Add(text);
            }

            previousDelimiter = delimiter;
        }
    }
}

internal sealed class MetaspacePreTokenizer(string replacement, string prependScheme, bool split) : PreTokenizer
{
    public static MetaspacePreTokenizer FromConfig(JsonConfig config)
    {
        var replacement = config.GetString("replacement") ?? "\u2581";
        var scheme = config.GetString("prepend_scheme") ?? (config.GetBool("add_prefix_space", true) ? "always" : "never");
        if (scheme is not ("always" or "first" or "never"))
        {
            throw config.Error($"prepend_scheme \"{scheme}\" must be always, first or never.");
        }

        return new MetaspacePreTokenizer(replacement, scheme, config.GetBool("split", true));
    }

    public override void Split(string piece, int sectionIndex, List<string> output)
    {
        var text = piece.Replace(" ", replacement, StringComparison.Ordinal);
        if (!text.StartsWith(replacement, StringComparison.Ordinal)
            && (prependScheme == "always" || (prependScheme == "first" && sectionIndex == 0)))
        {
            text = replacement + text;
        }

        if (!split)
        {
            output.Add(text);
            return;
        }

        // Each word keeps the replacement character that starts it.
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || string.CompareOrdinal(text, i, replacement, 0, replacement.Length) == 0)
            {
                if (i > start)
                {
                    output.Add(text[start..i]);
                }

                start = i;
            }
        }
    }
}
