using System.Text.Json;
using Xunit;

namespace TuneOperator.Trainer.Tests.Training;

public sealed class RuntimeSettingsTests
{
    [Fact]
    public void The_trainer_runs_without_tiered_compilation_so_late_recompilations_do_not_grow_its_memory()
    {
        // The SDK copies a referenced executable's runtimeconfig next to the test assembly.
        var path = Path.Combine(AppContext.BaseDirectory, "tune-trainer.runtimeconfig.json");
        Assert.True(File.Exists(path), $"{path} is missing; the test project must reference TuneOperator.Trainer.");

        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.Runtime.TieredCompilation", out var tiered), "tune-trainer.runtimeconfig.json sets no System.Runtime.TieredCompilation");
        Assert.Equal(JsonValueKind.False, tiered.ValueKind);
    }
}
