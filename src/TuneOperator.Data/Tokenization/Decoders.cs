using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace TuneOperator.Data.Tokenization;

/// <summary>A tokenizer.json decoder: turns tokens back into text pieces, which are then concatenated.</summary>
internal abstract class TokenDecoder
{
    public abstract List<string> DecodeChain(List<string> tokens, ISet<string> addedTokens);

    public static TokenDecoder? Create(JsonConfig config)
    {
        if (config.Element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return config.Type switch
        {
            "Sequence" => new SequenceDecoder([.. config.Items("decoders").Select(Create).OfType<TokenDecoder>()]),
            "ByteLevel" => new ByteLevelDecoder(),
            "Replace" => new ReplaceDecoder(TextPattern.Create(config.Child("pattern")), config.RequireString("content")),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Strip" => new StripDecoder(config.RequireString("content"), config.GetInt("start", 0), config.GetInt("stop", 0)),
            "Metaspace" => new MetaspaceDecoder(
                config.GetString("replacement") ?? "\u2581",
                (config.GetString("prepend_scheme") ?? (config.GetBool("add_prefix_space", true) ? "always" : "never")) != "never"),
            "BPEDecoder" => new SuffixDecoder(config.GetString("suffix") ?? "</w>"),
            _ => throw config.Unsupported("decoder", "Sequence, ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, BPEDecoder"),
        };
    }
}

internal sealed class SequenceDecoder(IReadOnlyList<TokenDecoder> decoders) : TokenDecoder
{
    public override List<string> DecodeChain(List<string> tokens, ISet<string> addedTokens)
    {
        foreach (var decoder in decoders)
        {
            tokens = decoder.DecodeChain(tokens, addedTokens);
        }

        return tokens;
    }
}

internal sealed class ByteLevelDecoder : TokenDecoder
{
    public override List<string> DecodeChain(List<string> tokens, ISet<string> addedTokens)
    {
        // Added tokens are text, not byte-level characters: decode the runs between them separately.
        var output = new List<string>();
        var run = new StringBuilder();
        foreach (var token in tokens)
        {
            if (addedTokens.Contains(token))
            {
                if (run.Length > 0)
                {
                    output.Add(ByteLevelAlphabet.DecodeText(run.ToString()));
                    run.Clear();
                }

                output.Add(token);
            }
            else
            {
                run.Append(token);
            }
        }

        if (run.Length > 0)
        {
            output.Add(ByteLevelAlphabet.DecodeText(run.ToString()));
        }

        return output;
    }
}

internal sealed class ReplaceDecoder(Regex pattern, string content) : TokenDecoder
{
    public override List<string> DecodeChain(List<string> tokens, ISet<string> addedTokens) =>
        [.. tokens.Select(t => pattern.Replace(t, content.Replace("$", "$$", StringComparison.Ordinal)))];
}

internal sealed class ByteFallbackDecoder : TokenDecoder
{
    public override List<string> DecodeChain(List<string> tokens, ISet<string> addedTokens)
    {
        var output = new List<string>();
        var bytes = new List<byte>();
        foreach (var token in tokens)
        {
            if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token.EndsWith('>')
                && byte.TryParse(token.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var value))
            {
                bytes.Add(value);
                continue;
            }

            Flush(bytes, output);
            output.Add(token);
        }

        Flush(bytes, output);
        return output;
    }

    private static void Flush(List<byte> bytes, List<string> output)
    {
        if (bytes.Count > 0)
        {
            output.Add(Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
        }
    }
}

internal sealed class FuseDecoder : TokenDecoder
{
    public override List<string> DecodeChain(List<string> tokens, ISet<string> addedTokens) => [string.Concat(tokens)];
}

internal sealed class StripDecoder(string content, int start, int stop) : TokenDecoder
{
    public override List<string> DecodeChain(List<string> tokens, ISet<string> addedTokens) => [.. tokens.Select(Strip)];

    private string Strip(string token)
    {
        var startCut = 0;
        for (var i = 0; i < start && i < token.Length && string.CompareOrdinal(token, i, content, 0, 1) == 0 && content.Length == 1; i++)
        {
            startCut = i + 1;
        }

        var stopCut = token.Length;
        for (var i = 0; i < stop; i++)
        {
            var index = token.Length - i - 1;
            if (index < startCut || content.Length != 1 || token[index] != content[0])
            {
                break;
            }

            stopCut = index;
        }

        return token[startCut..stopCut];
    }
}

internal sealed class MetaspaceDecoder(string replacement, bool stripFirstSpace) : TokenDecoder
{
    public override List<string> DecodeChain(List<string> tokens, ISet<string> addedTokens)
    {
        var output = new List<string>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var text = tokens[i].Replace(replacement, " ", StringComparison.Ordinal);
            if (stripFirstSpace && i == 0 && text.StartsWith(' '))
            {
                text = text[1..];
            }

            output.Add(text);
        }

        return output;
    }
}

internal sealed class SuffixDecoder(string suffix) : TokenDecoder
{
    public override List<string> DecodeChain(List<string> tokens, ISet<string> addedTokens) =>
        [.. tokens.Select((t, i) => t.Replace(suffix, i == tokens.Count - 1 ? string.Empty : " ", StringComparison.Ordinal))];
}
