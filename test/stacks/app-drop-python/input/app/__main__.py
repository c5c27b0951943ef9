from .privileges import step_down

step_down()
print("serving")
