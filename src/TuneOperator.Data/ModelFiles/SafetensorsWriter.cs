using System.Buffers.Binary;
using System.Text.Json;

namespace TuneOperator.Data.ModelFiles;

/// <summary>
/// Writes standard safetensors files: the 8-byte little-endian header length, a JSON header (<c>__metadata__</c> first,
/// then each tensor's dtype, shape and data_offsets) padded with spaces so the data section starts on an 8-byte
/// boundary, then the tensors' bytes back to back in the order given.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>The alignment of the data section.</summary>
    public const int Alignment = 8;

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/>, replacing the file.</summary>
    public static void Write(string path, IReadOnlyList<SafetensorsEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Write(stream, tensors, metadata);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Writes <paramref name="tensors"/> to a stream.</summary>
    public static void Write(Stream stream, IReadOnlyList<SafetensorsEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = BuildHeader(tensors, metadata);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var tensor in tensors)
        {
            stream.Write(tensor.Data.Span);
        }
    }

    private static byte[] BuildHeader(IReadOnlyList<SafetensorsEntry> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var tensor in tensors)
            {
                Validate(tensor, names);
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType.ToHeaderName());
                json.WriteStartArray("shape");
                foreach (var dimension in tensor.Shape)
                {
                    json.WriteNumberValue(dimension);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += tensor.Data.Length;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        var padding = (Alignment - (int)((8 + buffer.Length) % Alignment)) % Alignment;
        for (var i = 0; i < padding; i++)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }

    private static void Validate(SafetensorsEntry tensor, HashSet<string> names)
    {
        if (string.IsNullOrEmpty(tensor.Name) || tensor.Name == SafetensorsHeader.MetadataKey)
        {
            throw new ArgumentException($"Tensor name '{tensor.Name}' is empty or reserved.", nameof(tensor));
        }

        if (!names.Add(tensor.Name))
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' is listed twice.", nameof(tensor));
        }

        var expected = tensor.Shape.Aggregate(1L, (product, dimension) => product * dimension) * tensor.DType.ElementSize();
        if (tensor.Data.Length != expected)
        {
            throw new ArgumentException($"Tensor '{tensor.Name}' ({tensor.DType} {SafetensorsTensorInfo.FormatShape(tensor.Shape)}) needs {expected} bytes but {tensor.Data.Length} were given.", nameof(tensor));
        }
    }
}
