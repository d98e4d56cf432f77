using TuneOperator.Controller.Hosting;

return await OperatorApplication.RunAsync(args);
