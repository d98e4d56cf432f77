using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace TuneOperator.Data.Tokenization;

/// <summary>A tokenizer.json normalizer: rewrites a text section before pre-tokenization.</summary>
internal abstract class TextNormalizer
{
    public abstract string Normalize(string text);

    public static TextNormalizer? Create(JsonConfig config)
    {
        if (config.Element.ValueKind == System.Text.Json.JsonValueKind.Null)
        {
            return null;
        }

        return config.Type switch
        {
            "Sequence" => new SequenceNormalizer([.. config.Items("normalizers").Select(Create).OfType<TextNormalizer>()]),
            "Prepend" => new PrependNormalizer(config.RequireString("prepend")),
            "Replace" => new ReplaceNormalizer(TextPattern.Create(config.Child("pattern")), config.RequireString("content")),
            "NFC" => new UnicodeFormNormalizer(NormalizationForm.FormC),
            "NFD" => new UnicodeFormNormalizer(NormalizationForm.FormD),
            "NFKC" => new UnicodeFormNormalizer(NormalizationForm.FormKC),
            "NFKD" => new UnicodeFormNormalizer(NormalizationForm.FormKD),
            "Lowercase" => new LowercaseNormalizer(),
            "Strip" => new StripNormalizer(config.GetBool("left", config.GetBool("strip_left", true)), config.GetBool("right", config.GetBool("strip_right", true))),
            "StripAccents" => new StripAccentsNormalizer(),
            _ => throw config.Unsupported("normalizer", "Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents"),
        };
    }
}

internal sealed class SequenceNormalizer(IReadOnlyList<TextNormalizer> normalizers) : TextNormalizer
{
    public override string Normalize(string text)
    {
        foreach (var normalizer in normalizers)
        {
            text = normalizer.Normalize(text);
        }

        return text;
    }
}

internal sealed class PrependNormalizer(string prefix) : TextNormalizer
{
    public override string Normalize(string text) => text.Length == 0 ? text : prefix + text;
}

internal sealed class ReplaceNormalizer(Regex pattern, string content) : TextNormalizer
{
    public override string Normalize(string text) => pattern.Replace(text, content.Replace("$", "$$", StringComparison.Ordinal));
}

internal sealed class UnicodeFormNormalizer(NormalizationForm form) : TextNormalizer
{
    public override string Normalize(string text) => UnicodeNormalization.Normalize(text, form);
}

internal sealed class LowercaseNormalizer : TextNormalizer
{
    public override string Normalize(string text) => text.ToLowerInvariant();
}

internal sealed class StripNormalizer(bool left, bool right) : TextNormalizer
{
    public override string Normalize(string text) => (left, right) switch
    {
        (true, true) => text.Trim(),
        (true, false) => text.TrimStart(),
        (false, true) => text.TrimEnd(),
        _ => text,
    };
}

internal sealed class StripAccentsNormalizer : TextNormalizer
{
    public override string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark)
            {
                builder.Append(rune.ToString());
            }
        }

        return builder.ToString();
    }
}
