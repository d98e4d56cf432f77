using TuneOperator.Trainer.Control;
using TuneOperator.Trainer.Engine;
using TuneOperator.Trainer.Training;

TrainingDevice.InitializeRuntime();
if (args.Length > 0 && args[0] == "run")
{
    return await LocalRun.RunAsync(args[1..], Console.Out, CancellationToken.None);
}

var app = TrainerHost.Build(args, services => services.AddSingleton<ITrainingRunner, EngineTrainingRunner>());
await app.RunAsync();
return 0;
