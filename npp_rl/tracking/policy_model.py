"""The model-from-code file of the policy pyfunc (MLflow runs it when loading the model).

Logging the model as this file instead of a pickled object keeps MLflow from warning about
CloudPickle and makes the logged model independent of pickle versions; see
https://mlflow.org/docs/latest/ml/model/models-from-code/.
"""

from mlflow.models import set_model

from npp_rl.tracking.policy_pyfunc import PolicyPyfunc

set_model(PolicyPyfunc())
