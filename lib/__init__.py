"""PRML section 5.4, The Hessian Matrix: networks, backpropagation, the exact Hessian and
its approximations, in vectorised numpy.

=================================  ===========================================  ==============
function                           what                                         PRML
=================================  ===========================================  ==============
MLP                                network, flat weight vector w                5.1, 5.48-5.49
error, gradient                    E = sum_n E_n and backpropagation            5.44, 5.53-5.56
output_jacobian                    b_n = grad a_n, (N, K, W)                    5.84
jacobian_vector_product            B_n v without B, (N, K)                      5.101-5.103
output_hessian                     G_n = d^2 E_n / da da^T at the outputs       5.82, 5.85
hessian_exact                      H = grad grad E by blocks                    5.78, 5.93-5.95
hessian_r_operator                 H by W R-operator products (reference)       5.78, 5.4.6
hessian_vector_product             H v by the R-operator                        5.96-5.111
r_forward                          R{a}, R{z}: the R-operator's forward pass    5.101-5.103
r_backward                         R{delta}: the R-operator's backward pass     5.106-5.107
conjugate_gradient                 solve A x = b from products A p only (H v)   5.4.6
levenberg_marquardt                w <- w - (H_op + lambda I)^-1 grad E          5.4.2
hessian_finite_difference          central differences of the gradient          5.91
hessian_four_point_difference      four-point central differences of E          5.90
hessian_residual_term              H minus the outer product                    5.83
second_derivatives_exact           d^2 E_n / da_j da_j' layer by layer          5.80
second_derivatives_becker_lecun    diagonal-only recursion                      5.81
diagonal_from_second_derivatives   d^2 E_n / dw_ji^2 = d^2 E_n / da_j^2 z_i^2   5.79
hessian_diagonal_approx            Becker-LeCun diagonal of H                   5.79 + 5.81
hessian_diagonal_exact             exact diagonal of H without H                5.79 + 5.80
hessian_outer_product              Levenberg-Marquardt / outer product          5.84, 5.85
gauss_newton_vector_product        outer product times v without forming it     5.84, 5.85
inverse_outer_product              (H_op + alpha I)^-1 by rank-one updates      5.86-5.89, Ex 5.21
inverse_outer_product_blocked      the same by Woodbury rank-b updates          5.88-5.89, C.7
publish, publish_audit,            named results for the slide build            -
  publish_correction, audit_line,
  tex_number
relative_error, below              a comparison; a rounding-level value as a    -
                                   bound against a stated tolerance
symbolic (module)                  unspecified h and E, symbolic networks and   -
                                   Hessians for the sympy derivations
plotting (module)                  figures readable on a projected slide        -
datasets (module)                  the data of PRML Figure 5.3                  Fig. 5.3
=================================  ===========================================  ==============
"""

from .approximations import (
    diagonal_from_second_derivatives,
    gauss_newton_vector_product,
    hessian_diagonal_approx,
    hessian_diagonal_exact,
    hessian_outer_product,
    second_derivatives_becker_lecun,
    second_derivatives_exact,
)
from .backprop import (
    error,
    gradient,
    jacobian_vector_product,
    output_hessian,
    output_jacobian,
)
from .checks import below, relative_error
from .hessian import (
    hessian_exact,
    hessian_finite_difference,
    hessian_four_point_difference,
    hessian_residual_term,
)
from .inverse import inverse_outer_product, inverse_outer_product_blocked
from .network import MLP
from .publish import audit_line, publish, publish_audit, publish_correction, tex_number
from .r_operator import hessian_r_operator, hessian_vector_product, r_backward, r_forward
from .solvers import conjugate_gradient, levenberg_marquardt

__all__ = [
    "MLP",
    "error",
    "gradient",
    "output_jacobian",
    "jacobian_vector_product",
    "output_hessian",
    "hessian_exact",
    "hessian_r_operator",
    "hessian_vector_product",
    "r_forward",
    "r_backward",
    "conjugate_gradient",
    "levenberg_marquardt",
    "hessian_finite_difference",
    "hessian_four_point_difference",
    "hessian_residual_term",
    "second_derivatives_exact",
    "second_derivatives_becker_lecun",
    "diagonal_from_second_derivatives",
    "hessian_diagonal_approx",
    "hessian_diagonal_exact",
    "hessian_outer_product",
    "gauss_newton_vector_product",
    "inverse_outer_product",
    "inverse_outer_product_blocked",
    "publish",
    "publish_audit",
    "publish_correction",
    "audit_line",
    "tex_number",
    "relative_error",
    "below",
]
