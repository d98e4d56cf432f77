using System.Text;

namespace TuneOperator.Data.Tokenization;

/// <summary>
/// The GPT-2 byte-to-unicode table: every byte maps to a printable character so that byte-level BPE vocabularies
/// never contain whitespace or control characters.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte = BuildCharToByte();

    /// <summary>The character that stands for one byte.</summary>
    public static char Encode(byte value) => ByteToChar[value];

    /// <summary>Maps the UTF-8 bytes of a text to byte-level characters.</summary>
    public static string EncodeText(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return string.Create(bytes.Length, bytes, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = ByteToChar[source[i]];
            }
        });
    }

    /// <summary>Maps byte-level characters back to bytes and decodes them as UTF-8 (invalid sequences become U+FFFD).</summary>
    public static string DecodeText(string text)
    {
        var bytes = new List<byte>(text.Length);
        foreach (var c in text)
        {
            if (CharToByte.TryGetValue(c, out var b))
            {
                bytes.Add(b);
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }

        return table;
    }

    private static Dictionary<char, byte> BuildCharToByte()
    {
        var map = new Dictionary<char, byte>(256);
        for (var b = 0; b < 256; b++)
        {
            map[ByteToChar[b]] = (byte)b;
        }

        return map;
    }
}
