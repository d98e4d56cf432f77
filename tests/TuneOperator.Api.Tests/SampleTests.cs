using TuneOperator.Api.Validation;
using Xunit;

namespace TuneOperator.Api.Tests;

public sealed class SampleTests
{
    public static TheoryData<string> Samples() =>
        new(Directory.GetFiles(RepoPaths.Samples, "*.yaml").Select(Path.GetFileName).Order()!);

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_parses_and_passes_validation(string file)
    {
        var (resource, errors) = ResourceValidator.ReadAndValidate(File.ReadAllText(Path.Combine(RepoPaths.Samples, file)));
        Assert.True(errors.Count == 0, $"{file}:\n" + string.Join("\n", errors));
        Assert.NotNull(resource);
    }

    [Fact]
    public void Samples_cover_every_use_case()
    {
        var resources = Directory.GetFiles(RepoPaths.Samples, "*.yaml")
            .Select(f => ManifestReader.Read(File.ReadAllText(f)).Resource)
            .ToList();
        var jobs = resources.OfType<FineTuneJob>().Select(j => j.Spec).ToList();
        Assert.Contains(jobs, s => s.Method.Type == MethodType.Lora && s.Dataset.Format == DatasetFormat.Instruction);
        Assert.Contains(jobs, s => s.Dataset.Format == DatasetFormat.Chat);
        Assert.Contains(jobs, s => s.Objective.Type == ObjectiveType.Classification && s.Method.Type == MethodType.Freeze);
        Assert.Contains(jobs, s => s.Method.Type == MethodType.Full && s.Model.Source is not null);
        Assert.Contains(jobs, s => s.Model.FromJob is not null);
        Assert.Contains(jobs, s => s.Dataset.Mix is { Count: > 1 });
        Assert.Contains(jobs, s => s.Objective.Type == ObjectiveType.Distillation);
        Assert.Contains(jobs, s => s.Model.Init is not null);
        Assert.Contains(resources, r => r is FineTuneSweep);
        Assert.Contains(resources, r => r is ModelDeployment);
        Assert.True(resources.Count >= 8);
    }

    [Fact]
    public void Sample_values_are_read_into_the_typed_objects()
    {
        var job = ManifestReader.ReadOrThrow<FineTuneJob>(File.ReadAllText(Path.Combine(RepoPaths.Samples, "finetunejob-instruction-lora.yaml")));
        Assert.Equal("support-assistant-lora", job.Metadata.Name);
        Assert.Equal(16, job.Spec.Method.Lora!.Rank);
        Assert.Equal(["q_proj", "k_proj", "v_proj", "o_proj"], job.Spec.Method.Lora.TargetModules!);
        Assert.Equal(0.0002, job.Spec.Hyperparameters.LearningRate);
        Assert.Equal(OutputFormat.Adapter, job.Spec.Output.Format);
        Assert.Equal("4", job.Spec.Resources.Cpu);
        Assert.Equal(LearningRateScheduler.Cosine, job.Spec.Hyperparameters.Scheduler);
        Assert.True(job.Spec.Dataset.Preprocessing.Trim);
        Assert.True(job.Spec.Dataset.Preprocessing.DropDuplicates);
        Assert.Equal(3, job.Spec.RunPolicy.BackoffLimit);
        Assert.False(job.Spec.RunPolicy.Suspend);
    }
}
