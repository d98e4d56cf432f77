using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TuneOperator.Data.ModelFiles;
using Xunit;

namespace TuneOperator.Data.Tests.ModelFiles;

public sealed class SafetensorsTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("safetensors-tests-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }

        return bytes;
    }

    [Fact]
    public void Written_file_is_standard_safetensors_parsed_by_hand()
    {
        var path = Path.Combine(directory, "model.safetensors");
        var weight = Floats(1, 2, 3, 4, 5, 6);
        var ids = new byte[] { 7, 0, 0, 0, 0, 0, 0, 0 };
        var flags = new byte[] { 1, 0, 1 };
        SafetensorsWriter.Write(path,
        [
            new SafetensorsEntry("a.weight", SafetensorsDType.F32, [2, 3], weight),
            new SafetensorsEntry("b.ids", SafetensorsDType.I64, [1], ids),
            new SafetensorsEntry("c.flags", SafetensorsDType.BOOL, [3], flags),
            new SafetensorsEntry("d.half", SafetensorsDType.BF16, [2], new byte[] { 0x80, 0x3f, 0x00, 0x40 }),
        ], new Dictionary<string, string> { ["format"] = "pt" });

        var file = File.ReadAllBytes(path);
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0, (8 + headerLength) % 8);
        var headerText = Encoding.UTF8.GetString(file, 8, (int)headerLength);
        Assert.StartsWith("{", headerText, StringComparison.Ordinal);
        Assert.Equal(headerText.TrimEnd(' ').Length, headerText.TrimEnd().Length);
        using var header = JsonDocument.Parse(headerText);
        var root = header.RootElement;
        Assert.Equal("pt", root.GetProperty("__metadata__").GetProperty("format").GetString());

        var expected = new (string Name, string DType, long[] Shape, byte[] Data)[]
        {
            ("a.weight", "F32", [2, 3], weight), ("b.ids", "I64", [1], ids), ("c.flags", "BOOL", [3], flags), ("d.half", "BF16", [2], [0x80, 0x3f, 0x00, 0x40]),
        };
        long position = 0;
        var dataStart = 8 + headerLength;
        foreach (var (name, dtype, shape, data) in expected)
        {
            var entry = root.GetProperty(name);
            Assert.Equal(dtype, entry.GetProperty("dtype").GetString());
            Assert.Equal(shape, entry.GetProperty("shape").EnumerateArray().Select(item => item.GetInt64()).ToArray());
            var offsets = entry.GetProperty("data_offsets").EnumerateArray().Select(item => item.GetInt64()).ToArray();
            Assert.Equal(position, offsets[0]);
            Assert.Equal(position + data.Length, offsets[1]);
            Assert.Equal(data, file.AsSpan((int)(dataStart + offsets[0]), data.Length).ToArray());
            position = offsets[1];
        }

        Assert.Equal(dataStart + position, file.Length);
    }

    [Fact]
    public void Reader_round_trips_every_dtype()
    {
        var path = Path.Combine(directory, "all.safetensors");
        var entries = Enum.GetValues<SafetensorsDType>()
            .Select((dtype, index) => new SafetensorsEntry($"t{index}", dtype, [3], Enumerable.Range(1, 3 * dtype.ElementSize()).Select(value => (byte)(value + index)).ToArray()))
            .ToList();
        entries.Add(new SafetensorsEntry("scalar", SafetensorsDType.F32, [], Floats(2.5f)));
        entries.Add(new SafetensorsEntry("empty", SafetensorsDType.F32, [0, 4], Array.Empty<byte>()));
        SafetensorsWriter.Write(path, entries);

        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Header.Metadata);
        foreach (var entry in entries)
        {
            var info = file.Header.Tensors[entry.Name];
            Assert.Equal(entry.DType, info.DType);
            Assert.Equal(entry.Shape, info.Shape);
            Assert.Equal(entry.Data.ToArray(), file.ReadBytes(entry.Name));
        }

        Assert.Equal(1, file.Header.Tensors["scalar"].ElementCount);
    }

    [Fact]
    public void Writer_rejects_data_that_does_not_match_the_shape()
    {
        var error = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(Path.Combine(directory, "x.safetensors"),
            [new SafetensorsEntry("w", SafetensorsDType.F32, [2, 2], Floats(1, 2, 3))]));
        Assert.Contains("'w'", error.Message, StringComparison.Ordinal);
        Assert.Contains("16 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lazily_produced_data_of_the_wrong_size_leaves_no_file()
    {
        var path = Path.Combine(directory, "lazy.safetensors");
        var error = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path,
            [new SafetensorsTensorSpec("a", SafetensorsDType.F32, [1]), new SafetensorsTensorSpec("b", SafetensorsDType.F32, [2])],
            index => index == 0 ? Floats(1) : Floats(1, 2, 3)));
        Assert.Contains("'b'", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    private string WriteRaw(string json, int dataBytes)
    {
        var path = Path.Combine(directory, $"raw-{Guid.NewGuid():N}.safetensors");
        var header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"v":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}""", 16, "'v' starts at data offset 12")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", 4, "'w' (F32 [2]) needs 8 bytes")]
    [InlineData("""{"w":{"dtype":"Q4","shape":[2],"data_offsets":[0,2]}}""", 2, "'w' has dtype 'Q4'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4, "data section holds 4")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2]}}""", 8, "'w' has no data_offsets")]
    [InlineData("""[1,2]""", 0, "must be a JSON object")]
    public void Malformed_headers_are_rejected_naming_the_tensor(string json, int dataBytes, string expected)
    {
        var path = WriteRaw(json, dataBytes);
        var error = Assert.Throws<ModelFileException>(() => SafetensorsFile.Open(path));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_length_beyond_the_file_is_rejected()
    {
        var path = Path.Combine(directory, "short.safetensors");
        var bytes = new byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<ModelFileException>(() => SafetensorsFile.Open(path));
        Assert.Contains("header length 1000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sharded_checkpoint_reads_tensors_from_their_shards()
    {
        SafetensorsWriter.Write(Path.Combine(directory, "model-00001-of-00002.safetensors"), [new SafetensorsEntry("a", SafetensorsDType.F32, [1], Floats(1))]);
        SafetensorsWriter.Write(Path.Combine(directory, "model-00002-of-00002.safetensors"), [new SafetensorsEntry("b", SafetensorsDType.F32, [2], Floats(2, 3))]);
        File.WriteAllText(Path.Combine(directory, SafetensorsCheckpoint.IndexFileName),
            """{"metadata":{"total_size":12},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}""");

        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        Assert.Equal(["a", "b"], checkpoint.Tensors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3, checkpoint.ParameterCount);
        Assert.Equal(Floats(2, 3), checkpoint.ReadBytes("b"));
        Assert.EndsWith("model-00002-of-00002.safetensors", checkpoint.FileOf("b"), StringComparison.Ordinal);
    }

    [Fact]
    public void Index_naming_a_tensor_its_shard_lacks_is_rejected()
    {
        SafetensorsWriter.Write(Path.Combine(directory, "s1.safetensors"), [new SafetensorsEntry("a", SafetensorsDType.F32, [1], Floats(1))]);
        File.WriteAllText(Path.Combine(directory, SafetensorsCheckpoint.IndexFileName), """{"weight_map":{"a":"s1.safetensors","b":"s1.safetensors"}}""");
        var error = Assert.Throws<ModelFileException>(() => SafetensorsCheckpoint.Open(directory));
        Assert.Contains("'b'", error.Message, StringComparison.Ordinal);
        Assert.Contains("s1.safetensors", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Directory_without_weights_is_rejected()
    {
        var error = Assert.Throws<ModelFileException>(() => SafetensorsCheckpoint.Open(directory));
        Assert.Contains("model.safetensors", error.Message, StringComparison.Ordinal);
    }
}
