using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;
using TuneOperator.Data.ModelFiles;
using TuneOperator.Trainer.Models;
using Xunit;
using static TorchSharp.torch;

namespace TuneOperator.Trainer.Tests.Checkpoints;

/// <summary>The checkpoint files' tensors go through the one safetensors reader and writer (Data/ModelFiles).</summary>
public sealed class CheckpointTensorFileTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("safetensors-").FullName;

    public CheckpointTensorFileTests() => TorchRuntime.Initialize(2);

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Tensors_of_several_dtypes_round_trip_bit_for_bit()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(directory, "t.safetensors");
        var floats = tensor(new float[] { 1.5f, -2.25f, 3f, 1e-7f, 0f, 65504f }, [2, 3]);
        var halves = tensor(new float[] { 1f, 0.333f }).to_type(ScalarType.BFloat16);
        var longs = tensor(new long[] { long.MaxValue, -1 });
        var doubles = tensor(new double[] { Math.PI, -1e300 });
        var shorts = tensor(new short[] { short.MinValue, 7 });
        var bytes = tensor(new sbyte[] { -128, 5, 127 });

        SafetensorsTensors.WriteNewFile(path, [("b.floats", floats), ("a.halves", halves), ("c.longs", longs), ("d.doubles", doubles), ("e.shorts", shorts), ("f.bytes", bytes)]);
        var read = SafetensorsTensors.ReadFile(path);

        Assert.Equal(floats.data<float>().ToArray(), read["b.floats"].data<float>().ToArray());
        Assert.Equal([2L, 3], read["b.floats"].shape);
        Assert.Equal(ScalarType.BFloat16, read["a.halves"].dtype);
        Assert.Equal(halves.bytes.ToArray(), read["a.halves"].bytes.ToArray());
        Assert.Equal([long.MaxValue, -1L], read["c.longs"].data<long>().ToArray());
        Assert.Equal([Math.PI, -1e300], read["d.doubles"].data<double>().ToArray());
        Assert.Equal([short.MinValue, (short)7], read["e.shorts"].data<short>().ToArray());
        Assert.Equal(ScalarType.Int8, read["f.bytes"].dtype);
        Assert.Equal(bytes.bytes.ToArray(), read["f.bytes"].bytes.ToArray());
    }

    [Fact]
    public void A_complete_file_is_never_overwritten()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(directory, "kept.safetensors");
        SafetensorsTensors.WriteNewFile(path, [("w", tensor(new float[] { 1f, 2f }))]);
        var before = File.ReadAllBytes(path);

        Assert.Throws<IOException>(() => SafetensorsTensors.WriteNewFile(path, [("w", tensor(new float[] { 9f, 9f }))]));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([1f, 2f], SafetensorsTensors.ReadFile(path)["w"].data<float>().ToArray());
    }

    [Fact]
    public void The_file_follows_the_safetensors_layout()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(directory, "layout.safetensors");
        SafetensorsTensors.WriteNewFile(path, [("w", tensor(new float[] { 1f, 2f })), ("b", tensor(new float[] { 3f }))]);

        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, headerLength));

        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength + 12, bytes.Length);
        Assert.Equal("F32", header.RootElement.GetProperty("w").GetProperty("dtype").GetString());
        Assert.Equal([0L, 4], header.RootElement.GetProperty("b").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal([4L, 12], header.RootElement.GetProperty("w").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(3f, BitConverter.ToSingle(bytes, 8 + headerLength));
    }

    [Fact]
    public void A_header_that_does_not_fit_the_data_is_rejected_with_the_tensor_name()
    {
        var path = Path.Combine(directory, "bad.safetensors");
        var header = """{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}"""u8.ToArray();
        var bytes = new byte[8 + header.Length + 8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<ModelFileException>(() => SafetensorsTensors.ReadFile(path));

        Assert.Contains("'w'", error.Message, StringComparison.Ordinal);
    }
}
